import { Module } from '@nestjs/common';
import { AuditModule } from '../audit/audit.module';
import { ScoringReadsController } from './scoring-reads.controller';
import { ScoringRulesController } from './scoring-rules.controller';
import { ScoringService } from './scoring.service';

/** The admin API's scoring: rules, stage thresholds, recompute runs, leaderboard and insights, asked of scoring over NATS; changes are audited. */
@Module({ imports: [AuditModule], controllers: [ScoringRulesController, ScoringReadsController], providers: [ScoringService] })
export class ScoringModule {}
