import { PlatformModule } from '@leadflow/runtime';
import { type DynamicModule, Module } from '@nestjs/common';
import { ActivityMetricsModule } from './activity-metrics/activity-metrics.module';
import type { MetricsEnv } from './config/env';
import { ContactCountersModule } from './contact-counters/contact-counters.module';
import { metricsMigrations } from './database/migrations';
import { DealReportsModule } from './deal-reports/deal-reports.module';
import { DealStateModule } from './deal-state/deal-state.module';
import { LeadCountersModule } from './lead-counters/lead-counters.module';
import { LeadReportsModule } from './lead-reports/lead-reports.module';
import { PrivacyModule } from './privacy/privacy.module';

@Module({})
export class AppModule {
  static forEnv(env: MetricsEnv): DynamicModule {
    return {
      module: AppModule,
      imports: [
        PlatformModule.forRoot({ service: 'metrics', version: env.SERVICE_VERSION, env, migrations: metricsMigrations }),
        LeadCountersModule,
        LeadReportsModule,
        DealStateModule,
        DealReportsModule,
        PrivacyModule,
        ContactCountersModule,
        ActivityMetricsModule,
      ],
    };
  }
}
