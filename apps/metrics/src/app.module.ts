import { PlatformModule } from '@leadflow/runtime';
import { type DynamicModule, Module } from '@nestjs/common';
import type { MetricsEnv } from './config/env';
import { metricsMigrations } from './database/migrations';

@Module({})
export class AppModule {
  static forEnv(env: MetricsEnv): DynamicModule {
    return {
      module: AppModule,
      imports: [PlatformModule.forRoot({ service: 'metrics', version: env.SERVICE_VERSION, env, migrations: metricsMigrations })],
    };
  }
}
