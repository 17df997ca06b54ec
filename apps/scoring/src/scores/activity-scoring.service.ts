import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { ScoreRecalculator } from './score-recalculator';
import { type ActivityRecord, keyOf, ScoreRepository } from './score.repository';

export interface ScoringActivity extends ActivityRecord {
  workspaceId: string;
  /** The contact the activity was attributed to; it may have been merged since. */
  contactId: string;
  /** The request that brought the activity, carried by the score events it causes. */
  correlationId?: string;
}

/** Attempts at finding a contact that is not being merged away while we wait for its lock. */
const MAX_LOCK_ATTEMPTS = 5;

/**
 * Scores activities for their contacts (or the contacts' survivors, when they were merged), a
 * batch at a time with a fixed number of statements: each activity is stored, and its contact
 * rescored from all its stored activities (so one arriving late lands in its place in the history). A contact's activities are scored one after
 * another, in the order given, as if each had its own transaction: each round takes at most one
 * activity per contact, so that every score.changed and stage.changed is the one that activity
 * alone caused.
 */
@Injectable()
export class ActivityScoringService {
  constructor(
    private readonly scores: ScoreRepository,
    private readonly recalculator: ScoreRecalculator,
  ) {}

  async score(manager: EntityManager, activities: readonly ScoringActivity[]): Promise<void> {
    let pending = activities.map((activity) => ({ activity, attempts: 0 }));
    while (pending.length > 0) {
      // What each contact id stands for now; a merge may have committed since the last round.
      const current = await this.scores.resolveContacts(
        manager,
        pending.map(({ activity }) => activity),
      );
      const round: Array<{ activity: ScoringActivity; attempts: number; contactId: string }> = [];
      const later: typeof pending = [];
      const inRound = new Set<string>();
      pending.forEach((item, i) => {
        const contactId = current[i] ?? item.activity.contactId;
        const key = keyOf(item.activity.workspaceId, contactId);
        if (inRound.has(key)) later.push(item);
        else {
          inRound.add(key);
          round.push({ ...item, contactId });
        }
      });
      const keys = round.map(({ activity, contactId }) => ({ workspaceId: activity.workspaceId, contactId }));
      const locked = await this.scores.lockScores(manager, keys);
      // A contact merged away while we waited for its lock: follow the merge in a later round.
      const ready = round.flatMap((item, i) => {
        const lock = locked[i];
        if (lock?.state === 'active') return [{ ...item, key: keys[i] as (typeof keys)[number], before: lock }];
        if (item.attempts + 1 >= MAX_LOCK_ATTEMPTS) {
          throw new Error(`contact ${item.activity.contactId} is still being merged; the event will be retried`);
        }
        later.unshift({ activity: item.activity, attempts: item.attempts + 1 });
        return [];
      });
      await this.scores.recordActivities(
        manager,
        ready.map(({ key, activity }) => ({ key, activity })),
      );
      await this.recalculator.recalculate(
        manager,
        ready.map(({ key, before, activity }) => ({
          key,
          before,
          correlationId: activity.correlationId,
          cause: {
            activityId: activity.activityId,
            at: activity.at,
            source: activity.source,
            offer: activity.offer,
            country: activity.country,
          },
        })),
      );
      pending = later;
    }
  }
}
