import { JobsModule } from '@leadflow/jobs';
import { PlatformModule } from '@leadflow/runtime';
import { type DynamicModule, Module } from '@nestjs/common';
import type { ContactsEnv } from './config/env';
import { AutomationActionsModule } from './automation-actions/automation-actions.module';
import { ContactsModule } from './contacts/contacts.module';
import { CrmSyncModule } from './crm-sync/crm-sync.module';
import { contactsMigrations } from './database/migrations';
import { LeadConversionModule } from './lead-conversion/lead-conversion.module';
import { OpportunitiesModule } from './opportunities/opportunities.module';
import { PipelinesModule } from './pipelines/pipelines.module';
import { ImportsModule } from './imports/imports.module';

/** Rows per import transaction. */
const IMPORT_BATCH_ROWS = 1000;
import { PrivacyModule } from './privacy/privacy.module';

@Module({})
export class AppModule {
  static forEnv(env: ContactsEnv): DynamicModule {
    return {
      module: AppModule,
      imports: [
        PlatformModule.forRoot({ service: 'contacts', version: env.SERVICE_VERSION, env, migrations: contactsMigrations }),
        JobsModule.forRoot({ leaseMs: env.JOB_LEASE_MS }),
        ContactsModule,
        PipelinesModule,
        OpportunitiesModule,
        LeadConversionModule,
        ImportsModule.forRoot({ batchRows: IMPORT_BATCH_ROWS, sliceMs: Math.min(env.JOB_LEASE_MS / 4, 5000) }),
        PrivacyModule,
        CrmSyncModule,
        AutomationActionsModule,
      ],
    };
  }
}
