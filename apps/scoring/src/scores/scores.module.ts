import { type DynamicModule, Module } from '@nestjs/common';
import { ContactVisibilityModule } from '../contact-visibility/contact-visibility.module';
import { ReadsController } from '../reads/reads.controller';
import { ReadsRepository } from '../reads/reads.repository';
import { ReadsService, RISK_SILENT_DAYS } from '../reads/reads.service';
import { RecomputeController } from '../recompute/recompute.controller';
import { RecomputeRepository } from '../recompute/recompute.repository';
import { RecomputeService, SCORING_JOB_OPTIONS, type ScoringJobOptions } from '../recompute/recompute.service';
import { RulesModule } from '../rules/rules.module';
import { ActivityScoringService } from './activity-scoring.service';
import { ContactMergeService } from './contact-merge.service';
import { ScoreQueryService } from './score-query.service';
import { ScoreRecalculator } from './score-recalculator';
import { ScoreRepository } from './score.repository';
import { ScoresController } from './scores.controller';
import { ScoringEventsHandler } from './scoring-events.handler';

export interface ScoresOptions extends ScoringJobOptions {
  rulesCacheMs: number;
  riskSilentDays: number;
}

/**
 * Scores, stages and their histories: fed by lead, activity and merge events, rescored by
 * recompute runs and the decay schedule, read over RPC (score, timeline, insights).
 */
@Module({})
export class ScoresModule {
  static forRoot(options: ScoresOptions): DynamicModule {
    return {
      module: ScoresModule,
      imports: [RulesModule.forRoot({ cacheMs: options.rulesCacheMs }), ContactVisibilityModule],
      controllers: [ScoresController, RecomputeController, ReadsController],
      providers: [
        { provide: SCORING_JOB_OPTIONS, useValue: { decayIntervalMs: options.decayIntervalMs, batchSize: options.batchSize } },
        { provide: RISK_SILENT_DAYS, useValue: options.riskSilentDays },
        ScoreRepository,
        ScoreRecalculator,
        ActivityScoringService,
        ContactMergeService,
        ScoreQueryService,
        ScoringEventsHandler,
        RecomputeRepository,
        RecomputeService,
        ReadsRepository,
        ReadsService,
      ],
    };
  }
}
