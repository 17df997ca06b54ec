import { type LeadListQuery, PageRequest } from '@leadflow/contracts';
import { IsISO8601, IsOptional, IsString, MaxLength } from 'class-validator';

export class LeadListDto extends PageRequest implements LeadListQuery {
  @IsOptional()
  @IsString()
  @MaxLength(128)
  source?: string;

  @IsOptional()
  @IsString()
  @MaxLength(500)
  offer?: string;

  @IsOptional()
  @IsString()
  @MaxLength(500)
  email?: string;

  @IsOptional()
  @IsISO8601({ strict: true })
  from?: string;

  @IsOptional()
  @IsISO8601({ strict: true })
  to?: string;
}
