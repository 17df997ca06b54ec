import { DEFAULT_HTTP_PORTS } from '@leadflow/contracts';
import { PlatformEnv } from '@leadflow/config';
import { Expose, Type } from 'class-transformer';
import { IsInt, Max, Min } from 'class-validator';

/** Environment of the scoring app: the platform's variables with its own HTTP port. */
export class ScoringEnv extends PlatformEnv {
  override HTTP_PORT = DEFAULT_HTTP_PORTS.scoring;

  /** How long a replica reuses the rules it read; an edited rule applies after at most this long. */
  @Expose()
  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(300000)
  SCORING_RULES_CACHE_MS = 5000;
}
