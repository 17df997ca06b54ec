import { DEFAULT_LEAD_SOURCE, EventTypes, type Stage } from '@leadflow/contracts';
import { type NewEvent, Outbox } from '@leadflow/messaging';
import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { type EngineResult, type EngineRule, scoreContact, scoreOnly, type StageThresholds } from '../engine/score-engine';
import { AutomationEventsHandler } from '../automations/automation-events.handler';
import { RulesService } from '../rules/rules.service';
import { type ChangeCause, scoreChangeEvents, type ScoreSnapshot } from './score-changes';
import { type ContactKey, type DerivedHistory, keyOf, ScoreRepository, type StoredActivity } from './score.repository';

/** A locked contact to recompute: its score before, and what caused the recomputation. */
export interface Recalculation {
  key: ContactKey;
  before: ScoreSnapshot;
  /** What caused it; without one (a recompute, a decay run) the events name the contact's last transition. */
  cause?: ChangeCause;
  /** The request behind the cause, carried by the events it leads to. */
  correlationId?: string;
}

/**
 * A locked contact that took several activities in one transaction, rescored as if each had come in
 * a transaction of its own: each step's events are those its activity alone caused.
 */
export interface StepwiseRecalculation {
  key: ContactKey;
  before: ScoreSnapshot;
  /** In the order they apply. */
  steps: ReadonlyArray<{
    cause: ChangeCause & { activityId: string };
    correlationId?: string;
    /** Stored by this transaction: the steps before it do not see the activity yet. */
    fresh: boolean;
  }>;
  /**
   * The contact is new to scoring: its score row was created by this transaction, so it has no
   * history yet, and `stored` (when given) are all its stored activities, in scoring order.
   */
  first?: { stored?: readonly StoredActivity[] };
  /**
   * What its score row holds already (one this transaction created with the score its one activity
   * gives, `ScoreToLock.initial`): the row is not written again when the result is the same.
   */
  written?: { score: number; stage: Stage | null };
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
 * histories, saves their scores, announces the changes through the outbox and runs the automations
 * they trigger, all in the caller's transaction, with a fixed number of statements for any number
 * of distinct contacts.
 */
@Injectable()
export class ScoreRecalculator {
  constructor(
    private readonly scores: ScoreRepository,
    private readonly rules: RulesService,
    private readonly outbox: Outbox,
    private readonly automations: AutomationEventsHandler,
  ) {}

  /**
   * The score and stage each contact would have with this one activity alone, under its
   * workspace's rules now: what a score row created for it is written with, so that a contact new
   * to scoring is written once.
   */
  async firstScores(
    manager: EntityManager,
    contacts: ReadonlyArray<{ key: ContactKey; activity: StoredActivity }>,
  ): Promise<Array<{ score: number; stage: Stage }>> {
    if (contacts.length === 0) return [];
    const asOf = new Date().toISOString();
    const rulesets = await this.rules.rulesets(
      manager,
      contacts.map((c) => c.key.workspaceId),
    );
    return contacts.map(({ key, activity }) => {
      const ruleset = rulesets.get(key.workspaceId);
      return scoreOnly([activity], ruleset?.rules ?? [], { thresholds: ruleset?.thresholds, asOf });
    });
  }

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
    return this.rescore(
      manager,
      recalculations.map(({ key, before, cause, correlationId }) => ({ key, before, steps: [{ cause, correlationId, fresh: false }] })),
      options,
    );
  }

  /**
   * Rescores each contact once for all the activities it took, with the statements of one
   * recomputation: the steps before the last are evaluated in memory only, for their events, and
   * the history written is the last step's.
   */
  async recalculateSteps(manager: EntityManager, contacts: readonly StepwiseRecalculation[]): Promise<Recalculated[]> {
    return this.rescore(manager, contacts);
  }

  private async rescore(
    manager: EntityManager,
    contacts: ReadonlyArray<{
      key: ContactKey;
      before: ScoreSnapshot;
      steps: ReadonlyArray<Omit<Recalculation, 'key' | 'before'> & { fresh: boolean }>;
      first?: StepwiseRecalculation['first'];
      written?: StepwiseRecalculation['written'];
    }>,
    options: RecalculationOptions = {},
  ): Promise<Recalculated[]> {
    if (contacts.length === 0) return [];
    const asOf = options.asOf ?? new Date().toISOString();
    const rulesets = options.ruleset
      ? undefined
      : await this.rules.rulesets(
          manager,
          contacts.map((c) => c.key.workspaceId),
        );
    // A contact new to scoring whose activities are in hand is not read back.
    const activities = await this.scores.activitiesOf(
      manager,
      contacts.filter((c) => !c.first?.stored).map((c) => c.key),
    );
    const derived: DerivedHistory[] = [];
    const saved: Array<{ key: ContactKey; score: number; stage: Stage }> = [];
    const events: NewEvent[] = [];
    const done: Recalculated[] = [];
    for (const { key, before, steps, first, written } of contacts) {
      const ruleset = options.ruleset ?? rulesets?.get(key.workspaceId);
      const acts = first?.stored ?? activities.get(keyOf(key.workspaceId, key.contactId)) ?? [];
      const dimensions = new Map(acts.map((a) => [a.activityId, { source: a.source, offer: a.offer, country: a.country }]));
      // Activities this transaction stored for later steps: not in the history of the earlier ones.
      const notYet = new Set(steps.flatMap((step) => (step.fresh && step.cause?.activityId ? [step.cause.activityId] : [])));
      const engineOptions = { thresholds: ruleset?.thresholds, asOf };
      let previous: ScoreSnapshot = before;
      let result: EngineResult | undefined;
      let after: Recalculated['after'] | undefined;
      for (const [i, { cause, correlationId, fresh }] of steps.entries()) {
        if (fresh && cause?.activityId) notYet.delete(cause.activityId);
        const seen = notYet.size === 0 ? acts : acts.filter((a) => !notYet.has(a.activityId));
        // Only the last step's history is written: the earlier ones need their score and stage alone.
        if (i === steps.length - 1) {
          result = scoreContact(seen, ruleset?.rules ?? [], engineOptions);
          after = { score: result.score, stage: result.stage };
        } else after = scoreOnly(seen, ruleset?.rules ?? [], engineOptions);
        const last = result?.transitions.at(-1);
        const lastDims = last ? dimensions.get(last.activityId) : undefined;
        const effective: ChangeCause = cause ?? {
          activityId: null,
          at: last?.at ?? new Date().toISOString(),
          source: lastDims?.source ?? DEFAULT_LEAD_SOURCE,
          offer: lastDims?.offer ?? null,
          country: lastDims?.country ?? null,
        };
        const changes = scoreChangeEvents(key.contactId, previous, after, effective);
        const workspaceId = key.workspaceId;
        if (changes.scoreChanged) events.push({ type: EventTypes.scoreChanged, workspaceId, correlationId, data: changes.scoreChanged });
        if (changes.stageChanged) events.push({ type: EventTypes.stageChanged, workspaceId, correlationId, data: changes.stageChanged });
        previous = after;
      }
      if (!result || !after) continue;
      derived.push({ key, rows: result.history, transitions: result.transitions, dimensions, first: first !== undefined });
      // A row created with this very score and stage (its first activity's) is not written again.
      if (written?.score !== result.score || written.stage !== result.stage) saved.push({ key, score: result.score, stage: result.stage });
      done.push({ key, before, after });
    }
    await this.scores.replaceHistories(manager, derived);
    await this.scores.saveScores(manager, saved);
    // The automations these changes trigger run now, in the transaction that announces them.
    await this.automations.onScoreChanges(manager, await this.outbox.addMany(manager, events));
    return done;
  }
}
