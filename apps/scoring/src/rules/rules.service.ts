import { Inject, Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { RuleRepository } from './rule.repository';
import type { ScoringRule } from './scoring-rule';

export const RULES_CACHE_MS = Symbol('RULES_CACHE_MS');

/** The active rules, reused for a short while. */
@Injectable()
export class RulesService {
  private cached: { rules: ScoringRule[]; until: number } | undefined;

  constructor(
    private readonly repository: RuleRepository,
    @Inject(RULES_CACHE_MS) private readonly cacheMs: number,
  ) {}

  /**
   * Reads through the caller's transaction: a handler already holds a pooled connection, and
   * asking the pool for a second one while holding it could starve the pool under load.
   */
  async activeRules(manager: EntityManager): Promise<ScoringRule[]> {
    const now = Date.now();
    if (this.cached && this.cached.until > now) return this.cached.rules;
    const rules = await this.repository.active(manager);
    this.cached = { rules, until: now + this.cacheMs };
    return rules;
  }
}
