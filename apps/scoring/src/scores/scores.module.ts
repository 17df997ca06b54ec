import { type DynamicModule, Module } from '@nestjs/common';
import { ContactVisibilityModule } from '../contact-visibility/contact-visibility.module';
import { RulesModule } from '../rules/rules.module';
import { ActivityScoringService } from './activity-scoring.service';
import { ContactMergeService } from './contact-merge.service';
import { ScoreQueryService } from './score-query.service';
import { ScoreRecalculator } from './score-recalculator';
import { ScoreRepository } from './score.repository';
import { ScoresController } from './scores.controller';
import { ScoringEventsHandler } from './scoring-events.handler';

/** Scores, stages and their history: fed by lead and merge events, read over RPC. */
@Module({})
export class ScoresModule {
  static forRoot(options: { rulesCacheMs: number }): DynamicModule {
    return {
      module: ScoresModule,
      imports: [RulesModule.forRoot({ cacheMs: options.rulesCacheMs }), ContactVisibilityModule],
      controllers: [ScoresController],
      providers: [ScoreRepository, ScoreRecalculator, ActivityScoringService, ContactMergeService, ScoreQueryService, ScoringEventsHandler],
    };
  }
}
