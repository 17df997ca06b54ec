import { DEFAULT_LEAD_SOURCE, EventTypes, type Stage } from '@leadflow/contracts';
import { type NewEvent, Outbox } from '@leadflow/messaging';
import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { type EngineResult, type EngineRule, scoreContact, type StageThresholds } from '../engine/score-engine';
import { RulesService } from '../rules/rules.service';
import { type ChangeCause, scoreChangeEvents, type ScoreSnapshot } from './score-changes';
import { type ContactKey, type DerivedHistory, keyOf, ScoreRepository } from './score.repository';

/** A locked contact to recompute: its score before, and what caused the recomputation. */
export interface Recalculation {
  key: ContactKey;
  before: ScoreSnapshot;
  /** What caused it; without one (a recompute, a decay run) the events name the contact's last transition. */
  cause?: ChangeCause;
  /** The request behind the cause, carried by the events it leads to. */
  correlationId?: string;
}

export interface RecalculationOptions {
  /** ISO time of evaluation, for decay; now by default. */
  asOf?: string;
  /** Rules and thresholds to use instead of each workspace's own (a backtest). */
  ruleset?: { rules: readonly EngineRule[]; thresholds: StageThresholds };
}

export interface Recalculated {
  key: ContactKey;
  before: ScoreSnapshot;
  after: { score: number; stage: Stage };
}

/**
 * Rescores locked contacts from their stored activities with the pure engine, rewrites their
 * histories, saves their scores and announces the changes through the outbox, all in the caller's
 * transaction, with a fixed number of statements for any number of distinct contacts.
 */
@Injectable()
export class ScoreRecalculator {
  constructor(
    private readonly scores: ScoreRepository,
    private readonly rules: RulesService,
    private readonly outbox: Outbox,
  ) {}

  /** What the engine gives these contacts, without writing anything. */
  async evaluate(
    manager: EntityManager,
    keys: readonly ContactKey[],
    options: RecalculationOptions = {},
  ): Promise<Array<{ key: ContactKey; result: EngineResult; dimensions: DerivedHistory['dimensions'] }>> {
    const asOf = options.asOf ?? new Date().toISOString();
    const rulesets = options.ruleset
      ? undefined
      : await this.rules.rulesets(
          manager,
          keys.map((k) => k.workspaceId),
        );
    const activities = await this.scores.activitiesOf(manager, keys);
    return keys.map((key) => {
      const ruleset = options.ruleset ?? rulesets?.get(key.workspaceId);
      const acts = activities.get(keyOf(key.workspaceId, key.contactId)) ?? [];
      const result = scoreContact(acts, ruleset?.rules ?? [], { thresholds: ruleset?.thresholds, asOf });
      return {
        key,
        result,
        dimensions: new Map(acts.map((a) => [a.activityId, { source: a.source, offer: a.offer, country: a.country }])),
      };
    });
  }

  async recalculate(
    manager: EntityManager,
    recalculations: readonly Recalculation[],
    options: RecalculationOptions = {},
  ): Promise<Recalculated[]> {
    if (recalculations.length === 0) return [];
    const evaluated = await this.evaluate(
      manager,
      recalculations.map((r) => r.key),
      options,
    );
    await this.scores.replaceHistories(
      manager,
      evaluated.map(({ key, result, dimensions }) => ({ key, rows: result.history, transitions: result.transitions, dimensions })),
    );
    const saved = evaluated.map(({ key, result }) => ({ key, score: result.score, stage: result.stage }));
    await this.scores.saveScores(manager, saved);
    const events: NewEvent[] = [];
    const done: Recalculated[] = [];
    recalculations.forEach(({ key, before, cause, correlationId }, i) => {
      const { result, dimensions } = evaluated[i] as (typeof evaluated)[number];
      const after = { score: result.score, stage: result.stage };
      done.push({ key, before, after });
      const last = result.transitions.at(-1);
      const lastDims = last ? dimensions.get(last.activityId) : undefined;
      const effective: ChangeCause = cause ?? {
        activityId: null,
        at: last?.at ?? new Date().toISOString(),
        source: lastDims?.source ?? DEFAULT_LEAD_SOURCE,
        offer: lastDims?.offer ?? null,
        country: lastDims?.country ?? null,
      };
      const changes = scoreChangeEvents(key.contactId, before, after, effective);
      const workspaceId = key.workspaceId;
      if (changes.scoreChanged) events.push({ type: EventTypes.scoreChanged, workspaceId, correlationId, data: changes.scoreChanged });
      if (changes.stageChanged) events.push({ type: EventTypes.stageChanged, workspaceId, correlationId, data: changes.stageChanged });
    });
    await this.outbox.addMany(manager, events);
    return done;
  }
}
