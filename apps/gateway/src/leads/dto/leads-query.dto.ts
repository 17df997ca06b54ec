import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsString, Matches, MaxLength } from 'class-validator';
import { PageQueryDto } from '../../http/page-query.dto';

/** A day (YYYY-MM-DD, UTC) or an ISO 8601 instant with a time zone. */
export const DAY_OR_INSTANT = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?(Z|[+-]\d{2}:\d{2}))?$/;

export class LeadsQueryDto extends PageQueryDto {
  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @MaxLength(128)
  source?: string;

  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @MaxLength(500)
  offer?: string;

  @ApiPropertyOptional({ description: 'Matched after trimming and lower-casing' })
  @IsOptional()
  @IsString()
  @MaxLength(500)
  email?: string;

  @ApiPropertyOptional({ description: 'Received at or after: YYYY-MM-DD (UTC) or an ISO instant' })
  @IsOptional()
  @Matches(DAY_OR_INSTANT, { message: 'from must be YYYY-MM-DD or an ISO 8601 instant' })
  from?: string;

  @ApiPropertyOptional({ description: 'Received before: an ISO instant, or YYYY-MM-DD for the end of that day (UTC)' })
  @IsOptional()
  @Matches(DAY_OR_INSTANT, { message: 'to must be YYYY-MM-DD or an ISO 8601 instant' })
  to?: string;
}
