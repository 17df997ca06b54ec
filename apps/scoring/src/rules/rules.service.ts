import { Inject, Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { StageThresholds } from '../engine/score-engine';
import { RuleRepository, type StoredRule } from './rule.repository';

export const RULES_CACHE_MS = Symbol('RULES_CACHE_MS');

export interface Ruleset {
  rules: StoredRule[];
  thresholds: StageThresholds;
}

/**
 * Each workspace's rules and thresholds, reused for a short while (an edit made on another replica
 * applies after at most `RULES_CACHE_MS`; one made here at once). A workspace scoring has not seen
 * gets the defaults first.
 */
@Injectable()
export class RulesService {
  private readonly cached = new Map<string, { ruleset: Ruleset; until: number }>();

  constructor(
    private readonly repository: RuleRepository,
    @Inject(RULES_CACHE_MS) private readonly cacheMs: number,
  ) {}

  /**
   * Reads through the caller's transaction: a handler already holds a pooled connection, and
   * asking the pool for a second one while holding it could starve the pool under load.
   */
  async rulesets(manager: EntityManager, workspaceIds: readonly string[]): Promise<Map<string, Ruleset>> {
    const now = Date.now();
    const result = new Map<string, Ruleset>();
    const missing: string[] = [];
    for (const id of new Set(workspaceIds)) {
      const hit = this.cached.get(id);
      if (hit && hit.until > now) result.set(id, hit.ruleset);
      else missing.push(id);
    }
    if (missing.length > 0) {
      await this.repository.ensureWorkspaces(manager, missing);
      for (const [id, ruleset] of await this.repository.rulesets(manager, missing)) {
        result.set(id, ruleset);
        if (this.cacheMs > 0) this.cached.set(id, { ruleset, until: now + this.cacheMs });
      }
    }
    return result;
  }

  async ruleset(manager: EntityManager, workspaceId: string): Promise<Ruleset> {
    return (await this.rulesets(manager, [workspaceId])).get(workspaceId) as Ruleset;
  }

  /** Forgets a workspace's cached rules, after this replica changed them. */
  forget(workspaceId: string): void {
    this.cached.delete(workspaceId);
  }
}
