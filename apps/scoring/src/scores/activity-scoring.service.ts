import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { RulesService } from '../rules/rules.service';
import { type FitCondition, rulesHitBy } from '../rules/scoring-rule';
import { ScoreRecalculator } from './score-recalculator';
import { type ActivityRecord, type LockedScore, ScoreRepository } from './score.repository';

export interface ScoringActivity extends ActivityRecord {
  /** The contact the activity was attributed to; it may have been merged since. */
  contactId: string;
  conditions: Partial<Record<FitCondition, boolean>>;
}

/** Attempts at finding a contact that is not being merged away while we wait for its lock. */
const MAX_LOCK_ATTEMPTS = 5;

/** Scores one activity for its contact (or the contact's survivor, when it was merged). */
@Injectable()
export class ActivityScoringService {
  constructor(
    private readonly rules: RulesService,
    private readonly scores: ScoreRepository,
    private readonly recalculator: ScoreRecalculator,
  ) {}

  async score(manager: EntityManager, workspaceId: string, activity: ScoringActivity): Promise<void> {
    const hits = rulesHitBy(await this.rules.activeRules(manager), { type: activity.type, conditions: activity.conditions });
    const { contactId, locked } = await this.lockCurrentContact(manager, workspaceId, activity.contactId);
    await this.scores.recordHits(manager, workspaceId, contactId, activity, hits);
    await this.recalculator.recalculate(manager, workspaceId, contactId, locked, {
      activityId: activity.activityId,
      at: activity.at,
      source: activity.source,
      offer: activity.offer,
      country: activity.country,
    });
  }

  /**
   * Locks the score row of the contact the id stands for now. A merge may commit while we wait for
   * the lock; the row is then marked merged and we follow the merge to the survivor.
   */
  private async lockCurrentContact(
    manager: EntityManager,
    workspaceId: string,
    contactId: string,
  ): Promise<{ contactId: string; locked: LockedScore }> {
    for (let attempt = 0; attempt < MAX_LOCK_ATTEMPTS; attempt += 1) {
      const current = await this.scores.resolveContact(manager, workspaceId, contactId);
      const locked = await this.scores.lockScore(manager, workspaceId, current);
      if (locked.state === 'active') return { contactId: current, locked };
    }
    throw new Error(`contact ${contactId} is still being merged; the event will be retried`);
  }
}
