import 'reflect-metadata';
import { Expose, Type } from 'class-transformer';
import { IsIn, IsInt, IsOptional, IsString, Matches, Max, Min, ValidateIf } from 'class-validator';
import { RequiredInProduction } from './required-in-production';

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/**
 * Environment shared by every app. Each app extends it in `config/env.ts` with its own defaults
 * and variables. Defaults work on a developer machine.
 */
export class PlatformEnv {
  @Expose()
  @IsIn(['development', 'production', 'test'])
  NODE_ENV: 'development' | 'production' | 'test' = 'development';

  /** Reported by `system.status`; deployments set it to the image tag. */
  @Expose()
  @IsString()
  SERVICE_VERSION = 'dev';

  @Expose()
  @IsIn(LOG_LEVELS)
  LOG_LEVEL: LogLevel = 'info';

  @Expose()
  @IsString()
  @Matches(/^\s*\S+\s*$/, { message: '$property must be a host name or address' })
  HTTP_HOST = '0.0.0.0';

  @Expose()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(65535)
  HTTP_PORT = 3000;

  @Expose()
  @RequiredInProduction()
  @Matches(/^postgres(ql)?:\/\/\S+$/, { message: '$property must be a postgres:// URL' })
  DATABASE_URL = 'postgres://postgres@127.0.0.1:5432/leadflow';

  @Expose()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(200)
  DATABASE_POOL_SIZE = 10;

  @Expose()
  @RequiredInProduction()
  @Matches(/^(nats|tls):\/\/[^,\s]+(,(nats|tls):\/\/[^,\s]+)*$/, {
    message: '$property must be one or more comma-separated nats:// URLs',
  })
  NATS_URL = 'nats://127.0.0.1:4222';

  /** The app's NATS user, when the server has users (each app has its own; see the NATS permissions). */
  @Expose()
  @RequiredInProduction()
  @ValidateIf((env: PlatformEnv) => env.NATS_USER !== '' || env.NATS_PASSWORD !== '')
  @Matches(/^[A-Za-z0-9_-]+$/, {
    message: '$property must be a NATS user name (letters, digits, _ and -); it is needed when NATS_PASSWORD is set',
  })
  NATS_USER = '';

  @Expose()
  @RequiredInProduction()
  @IsString()
  NATS_PASSWORD = '';

  /**
   * Prefix for every subject, stream and durable name, so that several deployments (or test runs)
   * can share one NATS server without seeing each other. Empty in a normal deployment.
   */
  @Expose()
  @IsOptional()
  @Matches(/^([a-z][a-z0-9_]{0,31})?$/, { message: '$property must be empty or match [a-z][a-z0-9_]{0,31}' })
  NATS_NAMESPACE = '';

  @Expose()
  @Type(() => Number)
  @IsInt()
  @Min(100)
  @Max(60000)
  RPC_TIMEOUT_MS = 3000;

  @Expose()
  @Type(() => Number)
  @IsInt()
  @Min(100)
  @Max(30000)
  HEALTH_CHECK_TIMEOUT_MS = 1500;

  /** Time allowed for a graceful stop before the process exits anyway. */
  @Expose()
  @Type(() => Number)
  @IsInt()
  @Min(1000)
  @Max(120000)
  SHUTDOWN_TIMEOUT_MS = 9000;

  @Expose()
  @Type(() => Number)
  @IsInt()
  @Min(50)
  @Max(60000)
  OUTBOX_POLL_INTERVAL_MS = 1000;

  /**
   * Least milliseconds between the starts of two batches of the outbox relay: a commit after a
   * quiet spell is published at once; under load, the events committed meanwhile travel together.
   */
  @Expose()
  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(1000)
  OUTBOX_BATCH_INTERVAL_MS = 200;

  /** Seconds JetStream waits for an ack before redelivering an event. */
  @Expose()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(3600)
  EVENT_ACK_WAIT_SECONDS = 30;

  /**
   * Least milliseconds between the starts of two batches of one consumer (per event type), unless a
   * batch is full: an event reaching a consumer idle for longer is applied at once; under load, the
   * events that arrive meanwhile are applied in one transaction. 0 applies what has arrived whenever
   * the consumer is free.
   */
  @Expose()
  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(1000)
  EVENT_BATCH_INTERVAL_MS = 500;

  /** Deliveries of one event before it is recorded as a dead letter. */
  @Expose()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(100)
  EVENT_MAX_DELIVER = 10;

  /** Copies of each JetStream stream: 1 on one server, 3 in a clustered deployment. */
  @Expose()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(5)
  JETSTREAM_REPLICAS = 1;
}
