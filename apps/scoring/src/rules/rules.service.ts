import { Inject, Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { RuleKind, ScoringRule } from './scoring-rule';

export const RULES_CACHE_MS = Symbol('RULES_CACHE_MS');

interface RuleRow {
  id: string;
  kind: RuleKind;
  activity_type: string | null;
  condition: string | null;
  points: number;
}

/** The active rules, read from the `rules` table and reused for a short while. */
@Injectable()
export class RulesService {
  private cached: { rules: ScoringRule[]; until: number } | undefined;

  constructor(@Inject(RULES_CACHE_MS) private readonly cacheMs: number) {}

  /**
   * Reads through the caller's transaction: a handler already holds a pooled connection, and
   * asking the pool for a second one while holding it could starve the pool under load.
   */
  async activeRules(manager: EntityManager): Promise<ScoringRule[]> {
    const now = Date.now();
    if (this.cached && this.cached.until > now) return this.cached.rules;
    const rows = (await manager.query(
      `SELECT "id", "kind", "activity_type", "condition", "points" FROM "scoring"."rules" WHERE "active" ORDER BY "id"`,
    )) as RuleRow[];
    const rules = rows.map((r) => ({ id: r.id, kind: r.kind, activityType: r.activity_type, condition: r.condition, points: r.points }));
    this.cached = { rules, until: now + this.cacheMs };
    return rules;
  }
}
