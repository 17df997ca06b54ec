import { DEFAULT_HTTP_PORTS } from '@leadflow/contracts';
import { PlatformEnv } from '@leadflow/config';
import { Expose, Type } from 'class-transformer';
import { IsInt, Max, Min } from 'class-validator';

/** Environment of the ingestion app: the platform's variables with its own HTTP port, and the CRM event log's settings. */
export class IngestionEnv extends PlatformEnv {
  override HTTP_PORT = DEFAULT_HTTP_PORTS.ingestion;

  /** Months of CRM events (by event time) kept: older monthly partitions are dropped. */
  @Expose()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(1200)
  CRM_RETENTION_MONTHS = 60;

  /** Monthly partitions of the CRM event log made ahead of the current month. */
  @Expose()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(24)
  CRM_PARTITIONS_AHEAD_MONTHS = 3;

  /** Deliveries of a CRM event to contacts before a retryable failure is dead-lettered. */
  @Expose()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(50)
  CRM_MAX_ATTEMPTS = 5;

  /** The first automatic retry of a failed CRM event waits this long, each next one twice as long. */
  @Expose()
  @Type(() => Number)
  @IsInt()
  @Min(10)
  @Max(86_400_000)
  CRM_RETRY_BASE_MS = 30_000;

  /** Refused webhooks (failed signature checks) kept per integration, the most recent ones. */
  @Expose()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(1_000_000)
  CRM_REJECTED_CAP = 1000;
}
