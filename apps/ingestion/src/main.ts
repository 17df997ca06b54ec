/** ingestion: every inbound byte: raw-first storage, idempotency, normalization, outbox. */
import 'reflect-metadata';
import { runService } from '@leadflow/runtime';
import { AppModule } from './app.module';
import { IngestionEnv } from './config/env';

void runService({ service: 'ingestion', envClass: IngestionEnv, rootModule: (env) => AppModule.forEnv(env) });
