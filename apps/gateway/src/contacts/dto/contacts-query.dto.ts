import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsString, MaxLength } from 'class-validator';
import { PageQueryDto } from '../../http/page-query.dto';

export class ContactsQueryDto extends PageQueryDto {
  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @MaxLength(500)
  email?: string;

  @ApiPropertyOptional({ description: 'International format; normalized to E.164' })
  @IsOptional()
  @IsString()
  @MaxLength(64)
  phone?: string;
}
