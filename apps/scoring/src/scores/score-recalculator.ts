import { EventTypes } from '@leadflow/contracts';
import { Outbox } from '@leadflow/messaging';
import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { type ChangeCause, scoreChangeEvents, type ScoreSnapshot } from './score-changes';
import { ScoreRepository } from './score.repository';
import { stageForScore } from './stage';

/**
 * Sets a locked contact's score to what its history gives and announces the change through the
 * outbox, in the caller's transaction.
 */
@Injectable()
export class ScoreRecalculator {
  constructor(
    private readonly scores: ScoreRepository,
    private readonly outbox: Outbox,
  ) {}

  async recalculate(
    manager: EntityManager,
    workspaceId: string,
    contactId: string,
    before: ScoreSnapshot,
    cause: ChangeCause,
  ): Promise<void> {
    const score = await this.scores.sumPoints(manager, workspaceId, contactId);
    const stage = stageForScore(score);
    await this.scores.saveScore(manager, workspaceId, contactId, score, stage);
    const events = scoreChangeEvents(contactId, before, { score, stage }, cause);
    await this.outbox.addMany(manager, [
      ...(events.scoreChanged ? [{ type: EventTypes.scoreChanged, workspaceId, data: events.scoreChanged }] : []),
      ...(events.stageChanged ? [{ type: EventTypes.stageChanged, workspaceId, data: events.stageChanged }] : []),
    ]);
  }
}
