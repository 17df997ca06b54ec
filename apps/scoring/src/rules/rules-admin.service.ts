import { AppException, ErrorCodes, type ScoringRuleView, type ScoringRuleWriteReply, type StageThresholdsView } from '@leadflow/contracts';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';
import { type RuleBody, ruleFromBody, ruleView, thresholdsFromBody } from './rule-body';
import { RuleRepository } from './rule.repository';
import { RulesService } from './rules.service';

/**
 * The admin side of a workspace's rules and stage thresholds. A change applies to activities
 * scored after it; `recompute` rewrites the scores of those scored before.
 */
@Injectable()
export class RulesAdminService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly repository: RuleRepository,
    private readonly rules: RulesService,
  ) {}

  async list(workspaceId: string): Promise<ScoringRuleView[]> {
    return this.dataSource.transaction(async (manager) => {
      await this.repository.ensureWorkspaces(manager, [workspaceId]);
      const ruleset = (await this.repository.rulesets(manager, [workspaceId])).get(workspaceId);
      return (ruleset?.rules ?? []).map(ruleView);
    });
  }

  async create(workspaceId: string, body: RuleBody): Promise<ScoringRuleWriteReply> {
    const rule = ruleFromBody(body);
    return this.write(workspaceId, async (manager) => {
      if (!(await this.repository.insert(manager, workspaceId, rule))) {
        throw new AppException(ErrorCodes.ruleExists, `the workspace has a rule ${rule.id}`);
      }
      return { rule: ruleView(rule), before: null };
    });
  }

  async patch(workspaceId: string, id: string, body: RuleBody): Promise<ScoringRuleWriteReply> {
    return this.write(workspaceId, async (manager) => {
      const before = await this.repository.find(manager, workspaceId, id);
      if (!before) throw new AppException(ErrorCodes.notFound, `no rule ${id}`);
      const rule = ruleFromBody({ ...body, id }, before);
      await this.repository.update(manager, workspaceId, rule);
      return { rule: ruleView(rule), before: ruleView(before) };
    });
  }

  async delete(workspaceId: string, id: string): Promise<ScoringRuleWriteReply> {
    return this.write(workspaceId, async (manager) => {
      const before = await this.repository.find(manager, workspaceId, id);
      if (!before || !(await this.repository.delete(manager, workspaceId, id)))
        throw new AppException(ErrorCodes.notFound, `no rule ${id}`);
      return { rule: null, before: ruleView(before) };
    });
  }

  async stages(workspaceId: string): Promise<StageThresholdsView> {
    return this.dataSource.transaction(async (manager) => {
      await this.repository.ensureWorkspaces(manager, [workspaceId]);
      return (await this.repository.rulesets(manager, [workspaceId])).get(workspaceId)?.thresholds as StageThresholdsView;
    });
  }

  async putStages(
    workspaceId: string,
    body: Partial<StageThresholdsView>,
  ): Promise<{ thresholds: StageThresholdsView; before: StageThresholdsView }> {
    const thresholds = thresholdsFromBody(body);
    const result = await this.dataSource.transaction(async (manager) => {
      await this.repository.ensureWorkspaces(manager, [workspaceId]);
      const before = (await this.repository.rulesets(manager, [workspaceId])).get(workspaceId)?.thresholds as StageThresholdsView;
      await this.repository.saveThresholds(manager, workspaceId, thresholds);
      return { thresholds, before };
    });
    this.rules.forget(workspaceId);
    return result;
  }

  private async write(workspaceId: string, change: (manager: EntityManager) => Promise<ScoringRuleWriteReply>) {
    const reply = await this.dataSource.transaction(async (manager) => {
      await this.repository.ensureWorkspaces(manager, [workspaceId]);
      return change(manager);
    });
    this.rules.forget(workspaceId);
    return reply;
  }
}
