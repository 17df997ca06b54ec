import {
  type ContactInsightsView,
  type LeaderboardEntry,
  type Page,
  type RecomputeView,
  RpcSubjects,
  type ScoringRuleView,
  type ScoringRuleWriteReply,
  type Stage,
  type StageThresholdsView,
} from '@leadflow/contracts';
import { RpcClient } from '@leadflow/messaging';
import { Injectable } from '@nestjs/common';
import { AuditLogService } from '../audit/audit-log.service';
import type { Principal } from '../auth/principal';
import type { RecomputeDto, RuleCreateDto, RulePatchDto } from './dto/scoring-rule.dto';

/** Scoring rules, thresholds, recompute runs and reads, kept by scoring and asked over NATS; changes are audited. */
@Injectable()
export class ScoringService {
  constructor(
    private readonly rpc: RpcClient,
    private readonly audit: AuditLogService,
  ) {}

  async rules(workspaceId: string): Promise<Page<ScoringRuleView>> {
    return { items: await this.rpc.request<ScoringRuleView[]>(RpcSubjects.scoring.rulesList, { workspaceId }), nextCursor: null };
  }

  async createRule(caller: Principal, workspaceId: string, rule: RuleCreateDto): Promise<ScoringRuleView> {
    const reply = await this.rpc.request<ScoringRuleWriteReply>(RpcSubjects.scoring.ruleCreate, { workspaceId, rule });
    return this.audited(caller, workspaceId, 'scoring_rule.create', rule.id, reply);
  }

  async patchRule(caller: Principal, workspaceId: string, id: string, rule: RulePatchDto): Promise<ScoringRuleView> {
    const reply = await this.rpc.request<ScoringRuleWriteReply>(RpcSubjects.scoring.rulePatch, { workspaceId, id, rule });
    return this.audited(caller, workspaceId, 'scoring_rule.update', id, reply);
  }

  async deleteRule(caller: Principal, workspaceId: string, id: string): Promise<void> {
    const reply = await this.rpc.request<ScoringRuleWriteReply>(RpcSubjects.scoring.ruleDelete, { workspaceId, id });
    await this.audited(caller, workspaceId, 'scoring_rule.delete', id, reply);
  }

  stages(workspaceId: string): Promise<StageThresholdsView> {
    return this.rpc.request(RpcSubjects.scoring.stagesGet, { workspaceId });
  }

  async putStages(caller: Principal, workspaceId: string, thresholds: StageThresholdsView): Promise<StageThresholdsView> {
    const reply = await this.rpc.request<{ thresholds: StageThresholdsView; before: StageThresholdsView }>(RpcSubjects.scoring.stagesPut, {
      workspaceId,
      ...thresholds,
    });
    await this.audit.recordAlone(caller, {
      workspaceId,
      action: 'scoring_stages.update',
      target: 'scoring_stages',
      before: reply.before,
      after: reply.thresholds,
    });
    return reply.thresholds;
  }

  async recompute(caller: Principal, workspaceId: string, body: RecomputeDto): Promise<RecomputeView> {
    const run = await this.rpc.request<RecomputeView>(RpcSubjects.scoring.recomputeStart, { workspaceId, ...body });
    await this.audit.recordAlone(caller, {
      workspaceId,
      action: 'scoring.recompute',
      target: `recompute:${run.id}`,
      after: { ...body, total: run.total },
    });
    return run;
  }

  recomputeRun(workspaceId: string, id: string): Promise<RecomputeView> {
    return this.rpc.request(RpcSubjects.scoring.recomputeGet, { workspaceId, id });
  }

  leaderboard(workspaceId: string, query: { limit: number; stage?: Stage; cursor?: string }): Promise<Page<LeaderboardEntry>> {
    return this.rpc.request(RpcSubjects.scoring.leaderboard, { workspaceId, ...query });
  }

  insights(workspaceId: string, id: string): Promise<ContactInsightsView> {
    return this.rpc.request(RpcSubjects.scoring.contactInsights, { workspaceId, id });
  }

  private async audited(
    caller: Principal,
    workspaceId: string,
    action: string,
    id: string,
    reply: ScoringRuleWriteReply,
  ): Promise<ScoringRuleView> {
    await this.audit.recordAlone(caller, {
      workspaceId,
      action,
      target: `scoring_rule:${id}`,
      before: reply.before ?? undefined,
      after: reply.rule ?? undefined,
    });
    return (reply.rule ?? reply.before) as ScoringRuleView;
  }
}
