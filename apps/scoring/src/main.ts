/** scoring: activities to points, scores and stages. */
import 'reflect-metadata';
import { runService } from '@leadflow/runtime';
import { AppModule } from './app.module';
import { ScoringEnv } from './config/env';
import { scoringMigrations } from './database/migrations';

void runService({ service: 'scoring', envClass: ScoringEnv, migrations: scoringMigrations, rootModule: (env) => AppModule.forEnv(env) });
