import type { OpportunityStatus } from '@leadflow/contracts';
import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional, IsUUID, Matches } from 'class-validator';
import { PageQueryDto } from '../../http/page-query.dto';

export class OpportunitiesQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ format: 'uuid' })
  @IsOptional()
  @IsUUID()
  contactId?: string;

  @ApiPropertyOptional({ format: 'uuid' })
  @IsOptional()
  @IsUUID()
  pipelineId?: string;

  @ApiPropertyOptional({ example: 'contract_sent' })
  @IsOptional()
  @Matches(/^[a-z0-9_]{1,64}$/, { message: 'stage must be a stage key (a-z, 0-9, _)' })
  stage?: string;

  @ApiPropertyOptional({ enum: ['open', 'won', 'lost'] })
  @IsOptional()
  @IsIn(['open', 'won', 'lost'])
  status?: OpportunityStatus;
}
