import type { DealDailyReportQuery, DealReportQuery } from '@leadflow/contracts';
import { IsNotEmpty, IsString, MaxLength, NotContains } from 'class-validator';

export class DealReportQueryDto implements DealReportQuery {
  @IsString()
  @IsNotEmpty()
  @MaxLength(64)
  @NotContains('\u0000')
  workspaceId!: string;
}

/** The dates' format, existence, order and range are checked by `resolveReportRange` (`invalid_query`). */
export class DealDailyReportQueryDto extends DealReportQueryDto implements DealDailyReportQuery {
  @IsString()
  @MaxLength(32)
  from!: string;

  @IsString()
  @MaxLength(32)
  to!: string;
}
