import type { ServiceName } from '@leadflow/contracts';
import type { PlatformEnv } from '@leadflow/config';
import { DatabaseModule, type SchemaDatabaseOptions } from '@leadflow/database';
import { HealthModule } from '@leadflow/health';
import { MessagingModule } from '@leadflow/messaging';
import { type DynamicModule, Global, Module } from '@nestjs/common';
import { Registry } from 'prom-client';
import { createMetricsRegistry, HttpMetrics, MetricsController } from './metrics';
import { SERVICE_INFO } from './service-info';
import { systemStatusController } from './system-status.controller';

export interface PlatformOptions {
  service: ServiceName;
  version: string;
  env: PlatformEnv;
  migrations: SchemaDatabaseOptions['migrations'];
}

/** The app's own schema in DATABASE_URL, signed in as the app: what it serves with and what `main.js migrate` runs. */
export function appDatabaseOptions(
  service: ServiceName,
  env: PlatformEnv,
  migrations: SchemaDatabaseOptions['migrations'],
): SchemaDatabaseOptions {
  return { url: env.DATABASE_URL, schema: service, poolSize: env.DATABASE_POOL_SIZE, applicationName: `leadflow-${service}`, migrations };
}

/**
 * Everything an app stands on: its schema (migrated at start-up), NATS messaging, health probes,
 * Prometheus metrics and the system status reply. Apps import it once, then add their features.
 */
@Global()
@Module({})
export class PlatformModule {
  static forRoot({ service, version, env, migrations }: PlatformOptions): DynamicModule {
    return {
      module: PlatformModule,
      imports: [
        DatabaseModule.forRoot(appDatabaseOptions(service, env, migrations)),
        MessagingModule.forRoot({
          service,
          natsUrl: env.NATS_URL,
          natsUser: env.NATS_USER,
          natsPassword: env.NATS_PASSWORD,
          namespace: env.NATS_NAMESPACE,
          rpcTimeoutMs: env.RPC_TIMEOUT_MS,
          outboxPollIntervalMs: env.OUTBOX_POLL_INTERVAL_MS,
          outboxBatchIntervalMs: env.OUTBOX_BATCH_INTERVAL_MS,
          eventAckWaitSeconds: env.EVENT_ACK_WAIT_SECONDS,
          eventMaxDeliver: env.EVENT_MAX_DELIVER,
          eventBatchIntervalMs: env.EVENT_BATCH_INTERVAL_MS,
          jetStreamReplicas: env.JETSTREAM_REPLICAS,
        }),
        HealthModule.forRoot({ timeoutMs: env.HEALTH_CHECK_TIMEOUT_MS }),
      ],
      controllers: [MetricsController, systemStatusController(service)],
      providers: [
        { provide: Registry, useValue: createMetricsRegistry(service) },
        HttpMetrics,
        { provide: SERVICE_INFO, useValue: { service, version } },
      ],
      exports: [Registry, HttpMetrics, SERVICE_INFO],
    };
  }
}
