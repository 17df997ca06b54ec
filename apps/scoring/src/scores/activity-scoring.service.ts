import type { Stage } from '@leadflow/contracts';
import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { ScoreRecalculator } from './score-recalculator';
import {
  type ActivityRecord,
  asStored,
  type ContactKey,
  keyOf,
  type LockedScore,
  ScoreRepository,
  type StoredActivity,
} from './score.repository';

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
 * caused. An activity stored before is not scored again: the handlers of its events need no inbox.
 */
@Injectable()
export class ActivityScoringService {
  constructor(
    private readonly scores: ScoreRepository,
    private readonly recalculator: ScoreRecalculator,
  ) {}

  async score(manager: EntityManager, activities: readonly ScoringActivity[]): Promise<ScoringActivity[]> {
    if (activities.length === 0) return [];
    const { groups, locked } = await this.lockContacts(manager, activities);
    const stored = groups.flatMap(({ key, items }) => items.map((activity) => ({ key, activity })));
    const fresh = await this.scores.recordActivities(manager, stored);
    let at = 0;
    const steps = groups.map(({ key, items }, i) => {
      const freshHere = items.map(() => fresh[at++] === true);
      return {
        key,
        before: locked[i] as LockedScore,
        written: locked[i]?.written,
        freshHere,
        // A contact new to scoring has no history, and its one activity need not be read back.
        first: locked[i]?.created ? { stored: onlyActivity(items, freshHere) } : undefined,
        steps: items.map((activity, j) => ({
          fresh: freshHere[j] === true,
          correlationId: activity.correlationId,
          cause: {
            activityId: activity.activityId,
            at: activity.at,
            source: activity.source,
            offer: activity.offer,
            country: activity.country,
          },
        })),
      };
    });
    // An activity stored before (its event delivered again, or sent again under a new id) changes
    // nothing: a contact is scored again only for an activity stored now (or when its score row is).
    await this.recalculator.recalculateSteps(
      manager,
      steps.filter((contact) => contact.first !== undefined || contact.freshHere.includes(true)),
    );
    return stored.flatMap(({ activity }, i) => (fresh[i] === true ? [activity] : []));
  }

  /**
   * Each contact's activities, in the order given, under the contact each id stands for now, with
   * the contacts' score rows locked. A contact merged away while we waited for its row (a merge
   * committed meanwhile) sends us round again, resolving the ids anew.
   */
  private async lockContacts(
    manager: EntityManager,
    activities: readonly ScoringActivity[],
  ): Promise<{ groups: Array<{ key: ContactKey; items: ScoringActivity[] }>; locked: LockedScore[] }> {
    for (let attempt = 1; ; attempt += 1) {
      const current = await this.scores.resolveContacts(manager, activities);
      const byContact = new Map<string, { key: ContactKey; items: ScoringActivity[] }>();
      activities.forEach((activity, i) => {
        const key = { workspaceId: activity.workspaceId, contactId: current[i] ?? activity.contactId };
        const group = byContact.get(keyOf(key.workspaceId, key.contactId));
        if (group) group.items.push(activity);
        else byContact.set(keyOf(key.workspaceId, key.contactId), { key, items: [activity] });
      });
      const groups = [...byContact.values()];
      // A contact with one activity here is written, if it is new to scoring, with that activity's score.
      const alone = groups.flatMap((group, i) => {
        const [activity] = group.items;
        const stored = group.items.length === 1 && activity ? asStored(activity) : undefined;
        return stored ? [{ i, key: group.key, activity: stored }] : [];
      });
      const initial = new Map<number, { score: number; stage: Stage }>();
      (await this.recalculator.firstScores(manager, alone)).forEach((first, j) => initial.set(alone[j]?.i as number, first));
      const locked = await this.scores.lockActiveScores(
        manager,
        groups.map((group, i) => ({ ...group.key, initial: initial.get(i) })),
      );
      if (locked) return { groups, locked };
      if (attempt >= MAX_LOCK_ATTEMPTS) {
        throw new Error(`a contact of these ${activities.length} activities is still being merged; they will be retried`);
      }
    }
  }
}

/**
 * The stored activities of a contact new to scoring, known without reading them back: its one
 * activity, when this batch brought one and stored it (a contact's first lead, most often).
 */
function onlyActivity(items: readonly ScoringActivity[], fresh: readonly boolean[]): StoredActivity[] | undefined {
  const [activity] = items;
  if (items.length !== 1 || !activity || fresh[0] !== true) return undefined;
  const known = asStored(activity);
  return known ? [known] : undefined;
}
