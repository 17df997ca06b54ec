import type { LeadsReportQuery } from '@leadflow/contracts';
import { IsNotEmpty, IsOptional, IsString, MaxLength, NotContains } from 'class-validator';
import { MAX_DIMENSION_LENGTH } from '../../lead-counters/lead-daily-counters';

// PostgreSQL text cannot hold NUL; refusing it here keeps such input a 400 instead of a failed query.
const NUL = '\u0000';
const NO_NUL = { message: '$property must not contain NUL characters' };

/**
 * `metrics.leads.*` query. Shapes and lengths are checked here (`validation_failed`); the dates'
 * format, existence, order and range are checked by `resolveReportRange` (`invalid_query`).
 */
export class LeadsReportQueryDto implements LeadsReportQuery {
  @IsString()
  @IsNotEmpty()
  @MaxLength(64)
  @NotContains(NUL, NO_NUL)
  workspaceId!: string;

  @IsString()
  @MaxLength(32)
  from!: string;

  @IsString()
  @MaxLength(32)
  to!: string;

  /** '' selects the leads without a value (stored as ''), like offer and country. */
  @IsOptional()
  @IsString()
  @MaxLength(MAX_DIMENSION_LENGTH)
  @NotContains(NUL, NO_NUL)
  source?: string;

  /** '' selects the leads without an offer. */
  @IsOptional()
  @IsString()
  @MaxLength(MAX_DIMENSION_LENGTH)
  @NotContains(NUL, NO_NUL)
  offer?: string;

  /** '' selects the leads without a country. */
  @IsOptional()
  @IsString()
  @MaxLength(MAX_DIMENSION_LENGTH)
  @NotContains(NUL, NO_NUL)
  country?: string;
}
