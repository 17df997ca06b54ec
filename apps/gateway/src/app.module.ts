import { PlatformModule } from '@leadflow/runtime';
import { type DynamicModule, Module } from '@nestjs/common';
import type { GatewayEnv } from './config/env';
import { gatewayMigrations } from './database/migrations';
import { PlatformStatusModule } from './platform-status/platform-status.module';

@Module({})
export class AppModule {
  static forEnv(env: GatewayEnv): DynamicModule {
    return {
      module: AppModule,
      imports: [
        PlatformModule.forRoot({ service: 'gateway', version: env.SERVICE_VERSION, env, migrations: gatewayMigrations }),
        PlatformStatusModule,
      ],
    };
  }
}
