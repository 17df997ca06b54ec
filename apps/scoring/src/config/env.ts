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

  /** Days without activity after which a hot or qualified contact is flagged at risk (insights). */
  @Expose()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(3650)
  SCORING_RISK_SILENT_DAYS = 14;

  /** How often decay rescores contacts holding decaying points (once per interval across replicas). */
  @Expose()
  @Type(() => Number)
  @IsInt()
  @Min(1000)
  @Max(7 * 86_400_000)
  SCORING_DECAY_INTERVAL_MS = 3_600_000;

  /** Contacts rescored per transaction by a recompute run or a decay run. */
  @Expose()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(5000)
  SCORING_RECOMPUTE_BATCH = 500;
}
