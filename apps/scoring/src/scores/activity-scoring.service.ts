import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { ScoreRecalculator } from './score-recalculator';
import { type ActivityRecord, type ContactKey, keyOf, ScoreRepository } from './score.repository';

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
 * batch at a time with a fixed number of statements: each activity is stored, and each contact
 * rescored once from all its stored activities (so one arriving late lands in its place in the
 * history). A contact's activities are scored as if one after another, in the order given, each in
 * a transaction of its own: every score.changed and stage.changed is the one that activity alone
 * caused.
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
      // Each contact's activities, in the order given.
      const byContact = new Map<string, { key: ContactKey; items: Array<(typeof pending)[number]> }>();
      pending.forEach((item, i) => {
        const key = { workspaceId: item.activity.workspaceId, contactId: current[i] ?? item.activity.contactId };
        const group = byContact.get(keyOf(key.workspaceId, key.contactId));
        if (group) group.items.push(item);
        else byContact.set(keyOf(key.workspaceId, key.contactId), { key, items: [item] });
      });
      const groups = [...byContact.values()];
      const locked = await this.scores.lockScores(
        manager,
        groups.map((g) => g.key),
      );
      // A contact merged away while we waited for its lock: follow the merge in a later round.
      const later: typeof pending = [];
      const ready = groups.flatMap((group, i) => {
        const lock = locked[i];
        if (lock?.state === 'active') return [{ ...group, before: lock }];
        for (const item of group.items) {
          if (item.attempts + 1 >= MAX_LOCK_ATTEMPTS) {
            throw new Error(`contact ${item.activity.contactId} is still being merged; the event will be retried`);
          }
          later.push({ activity: item.activity, attempts: item.attempts + 1 });
        }
        return [];
      });
      const stored = ready.flatMap(({ key, items }) => items.map(({ activity }) => ({ key, activity })));
      const fresh = await this.scores.recordActivities(manager, stored);
      let at = 0;
      await this.recalculator.recalculateSteps(
        manager,
        ready.map(({ key, before, items }) => ({
          key,
          before,
          steps: items.map(({ activity }) => ({
            fresh: fresh[at++] === true,
            correlationId: activity.correlationId,
            cause: {
              activityId: activity.activityId,
              at: activity.at,
              source: activity.source,
              offer: activity.offer,
              country: activity.country,
            },
          })),
        })),
      );
      pending = later;
    }
  }
}
