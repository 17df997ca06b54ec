import { EventTypes } from '@leadflow/contracts';
import { type NewEvent, Outbox } from '@leadflow/messaging';
import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { type ChangeCause, scoreChangeEvents, type ScoreSnapshot } from './score-changes';
import { type ContactKey, ScoreRepository } from './score.repository';
import { stageForScore } from './stage';

/** A locked contact to recompute: its score before, and what caused the recomputation. */
export interface Recalculation {
  key: ContactKey;
  before: ScoreSnapshot;
  cause: ChangeCause;
  /** The request behind the cause, carried by the events it leads to. */
  correlationId?: string;
}

/**
 * Sets locked contacts' scores to what their histories give and announces the changes through the
 * outbox, in the caller's transaction: three statements for any number of distinct contacts.
 */
@Injectable()
export class ScoreRecalculator {
  constructor(
    private readonly scores: ScoreRepository,
    private readonly outbox: Outbox,
  ) {}

  async recalculate(manager: EntityManager, recalculations: readonly Recalculation[]): Promise<void> {
    const sums = await this.scores.sumPoints(
      manager,
      recalculations.map((r) => r.key),
    );
    const saved = recalculations.map(({ key }, i) => {
      const score = sums[i] ?? 0;
      return { key, score, stage: stageForScore(score) };
    });
    await this.scores.saveScores(manager, saved);
    const events: NewEvent[] = [];
    recalculations.forEach(({ key, before, cause, correlationId }, i) => {
      const after = saved[i] as (typeof saved)[number];
      const changes = scoreChangeEvents(key.contactId, before, after, cause);
      const workspaceId = key.workspaceId;
      if (changes.scoreChanged) events.push({ type: EventTypes.scoreChanged, workspaceId, correlationId, data: changes.scoreChanged });
      if (changes.stageChanged) events.push({ type: EventTypes.stageChanged, workspaceId, correlationId, data: changes.stageChanged });
    });
    await this.outbox.addMany(manager, events);
  }
}
