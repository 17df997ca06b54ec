/** metrics: read models: drift-free counts and reports. */
import 'reflect-metadata';
import { runService } from '@leadflow/runtime';
import { AppModule } from './app.module';
import { MetricsEnv } from './config/env';
import { metricsMigrations } from './database/migrations';

void runService({ service: 'metrics', envClass: MetricsEnv, migrations: metricsMigrations, rootModule: (env) => AppModule.forEnv(env) });
