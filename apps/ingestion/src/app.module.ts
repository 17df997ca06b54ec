import { JobsModule } from '@leadflow/jobs';
import { PlatformModule } from '@leadflow/runtime';
import { type DynamicModule, Module } from '@nestjs/common';
import type { IngestionEnv } from './config/env';
import { ActivitiesModule } from './activities/activities.module';
import { CrmEventsModule } from './crm-events/crm-events.module';
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
        JobsModule.forRoot(),
        PrivacyModule,
        CrmEventsModule.forRoot({
          retentionMonths: env.CRM_RETENTION_MONTHS,
          partitionsAheadMonths: env.CRM_PARTITIONS_AHEAD_MONTHS,
          maxAttempts: env.CRM_MAX_ATTEMPTS,
          retryBaseMs: env.CRM_RETRY_BASE_MS,
          rejectedCap: env.CRM_REJECTED_CAP,
        }),
      ],
    };
  }
}
