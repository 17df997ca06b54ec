import { PlatformModule } from '@leadflow/runtime';
import { type DynamicModule, Module } from '@nestjs/common';
import type { IngestionEnv } from './config/env';
import { ActivitiesModule } from './activities/activities.module';
import { ingestionMigrations } from './database/migrations';
import { LeadsModule } from './leads/leads.module';
import { PrivacyModule } from './privacy/privacy.module';

@Module({})
export class AppModule {
  static forEnv(env: IngestionEnv): DynamicModule {
    return {
      module: AppModule,
      imports: [
        PlatformModule.forRoot({ service: 'ingestion', version: env.SERVICE_VERSION, env, migrations: ingestionMigrations }),
        LeadsModule,
        ActivitiesModule,
        PrivacyModule,
      ],
    };
  }
}
