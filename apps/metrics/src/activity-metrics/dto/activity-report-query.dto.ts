import type { ActivityReportQuery } from '@leadflow/contracts';
import { IsNotEmpty, IsString, MaxLength, NotContains } from 'class-validator';

/** `metrics.activity.daily` query; the dates are checked by `resolveReportRange` (`invalid_query`). */
export class ActivityReportQueryDto implements ActivityReportQuery {
  @IsString()
  @IsNotEmpty()
  @MaxLength(64)
  @NotContains('\u0000')
  workspaceId!: string;

  @IsString()
  @MaxLength(32)
  from!: string;

  @IsString()
  @MaxLength(32)
  to!: string;
}
