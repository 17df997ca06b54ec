/** ingestion: every inbound byte: raw-first storage, idempotency, normalization, outbox. */
import 'reflect-metadata';
import { runService } from '@leadflow/runtime';
import { AppModule } from './app.module';
import { IngestionEnv } from './config/env';
import { ingestionMigrations } from './database/migrations';

void runService({
  service: 'ingestion',
  envClass: IngestionEnv,
  migrations: ingestionMigrations,
  rootModule: (env) => AppModule.forEnv(env),
});
