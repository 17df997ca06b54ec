import { PlatformModule } from '@leadflow/runtime';
import { type DynamicModule, Module } from '@nestjs/common';
import { AccessModule } from './access/access.module';
import { AdminModule } from './admin/admin.module';
import { GatewayEnv } from './config/env';
import { gatewayMigrations } from './database/migrations';
import { IntakeModule } from './intake/intake.module';
import { PlatformStatusModule } from './platform-status/platform-status.module';

@Module({})
export class AppModule {
  static forEnv(env: GatewayEnv): DynamicModule {
    return {
      module: AppModule,
      global: true,
      imports: [
        PlatformModule.forRoot({ service: 'gateway', version: env.SERVICE_VERSION, env, migrations: gatewayMigrations }),
        AccessModule,
        PlatformStatusModule,
        IntakeModule,
        AdminModule,
      ],
      providers: [{ provide: GatewayEnv, useValue: env }],
      exports: [GatewayEnv],
    };
  }
}
