import { DEFAULT_LEAD_SOURCE } from '@leadflow/contracts';
import { APP_LOGGER } from '@leadflow/logging';
import { Inject, Injectable } from '@nestjs/common';
import type { Logger } from 'pino';
import type { EntityManager } from 'typeorm';
import type { ScoreSnapshot } from './score-changes';
import { ScoreRecalculator } from './score-recalculator';
import { type LockedScore, ScoreRepository } from './score.repository';

export interface ContactMerge {
  survivorId: string;
  mergedId: string;
  /** ISO time of the merge event. */
  at: string;
}

/**
 * Folds a merged contact into its survivor: the merge is recorded (so activities that arrive
 * later for the merged id follow it), the activities become one list and the survivor is rescored.
 */
@Injectable()
export class ContactMergeService {
  constructor(
    private readonly scores: ScoreRepository,
    private readonly recalculator: ScoreRecalculator,
    @Inject(APP_LOGGER) private readonly logger: Logger,
  ) {}

  async merge(manager: EntityManager, workspaceId: string, merge: ContactMerge): Promise<void> {
    const { mergedId } = merge;
    if (merge.survivorId === mergedId) {
      this.logger.warn({ workspaceId, contactId: mergedId }, 'contact merged into itself; nothing to do');
      return;
    }
    // Merges may arrive out of order: the survivor may itself have been merged since.
    const survivorId = await this.scores.resolveContact(manager, workspaceId, merge.survivorId);
    if (survivorId === mergedId) {
      this.logger.warn({ workspaceId, ...merge }, 'merge would close a loop of merges; ignored');
      return;
    }
    const recordedSurvivor = await this.scores.recordMerge(manager, workspaceId, mergedId, merge.survivorId, merge.at);
    if (recordedSurvivor !== merge.survivorId) {
      // Already folded elsewhere; harmless when both roads end at the same contact.
      if ((await this.scores.resolveContact(manager, workspaceId, recordedSurvivor)) !== survivorId) {
        this.logger.warn({ workspaceId, ...merge, recordedSurvivor }, 'contact was already merged into another contact; ignored');
      }
      return;
    }

    // Both rows in one call, which takes them in key order: two merges touching the same contacts
    // wait for each other instead of deadlocking. The merged contact's row, when scoring has not
    // seen it, is created already marked merged: an activity of it that waits on the lock then
    // finds it merged and follows the merge.
    const [survivor, merged] = (await this.scores.lockScores(manager, [
      { workspaceId, contactId: survivorId },
      { workspaceId, contactId: mergedId, createAs: 'merged' },
    ])) as [LockedScore, LockedScore];
    if (survivor.state !== 'active') throw new Error(`survivor ${survivorId} was merged meanwhile; the event will be retried`);

    // The activities become one list (an activity both hold stays once); the survivor's history is
    // derived from it again below.
    await this.scores.moveActivities(manager, workspaceId, mergedId, survivorId);
    await this.scores.markMerged(manager, workspaceId, mergedId);

    const mergedWasActive = !merged.created && merged.state === 'active';
    // A survivor new to scoring continues the merged contact's stage, so the person does not
    // enter the funnel twice.
    let before: ScoreSnapshot;
    if (!survivor.created) before = survivor;
    else if (mergedWasActive) before = merged;
    else {
      // Scoring knows neither contact: nothing to score yet, and no empty row for the survivor.
      await this.scores.deleteScore(manager, workspaceId, survivorId);
      return;
    }
    const dimensions = await this.scores.latestDimensions(manager, workspaceId, survivorId);
    await this.recalculator.recalculate(manager, [
      {
        key: { workspaceId, contactId: survivorId },
        before,
        cause: {
          activityId: null,
          at: merge.at,
          source: dimensions?.source ?? DEFAULT_LEAD_SOURCE,
          offer: dimensions?.offer ?? null,
          country: dimensions?.country ?? null,
        },
      },
    ]);
  }
}
