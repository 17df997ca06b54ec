import { JobsModule } from '@leadflow/jobs';
import { PlatformModule } from '@leadflow/runtime';
import { type DynamicModule, Module } from '@nestjs/common';
import type { ScoringEnv } from './config/env';
import { AutomationsModule } from './automations/automations.module';
import { ContactVisibilityModule } from './contact-visibility/contact-visibility.module';
import { scoringMigrations } from './database/migrations';
import { PrivacyModule } from './privacy/privacy.module';
import { ScoresModule } from './scores/scores.module';

@Module({})
export class AppModule {
  static forEnv(env: ScoringEnv): DynamicModule {
    return {
      module: AppModule,
      imports: [
        PlatformModule.forRoot({ service: 'scoring', version: env.SERVICE_VERSION, env, migrations: scoringMigrations }),
        JobsModule.forRoot(),
        AutomationsModule.forRoot({ backfillBatch: env.SCORING_RECOMPUTE_BATCH }),
        ScoresModule.forRoot({
          rulesCacheMs: env.SCORING_RULES_CACHE_MS,
          riskSilentDays: env.SCORING_RISK_SILENT_DAYS,
          decayIntervalMs: env.SCORING_DECAY_INTERVAL_MS,
          batchSize: env.SCORING_RECOMPUTE_BATCH,
        }),
        PrivacyModule,
        ContactVisibilityModule,
      ],
    };
  }
}
