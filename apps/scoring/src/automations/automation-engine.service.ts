import { type AutomationAction, EventTypes } from '@leadflow/contracts';
import { type NewEvent, Outbox } from '@leadflow/messaging';
import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { v7 as uuidv7 } from 'uuid';
import { type ContactFacts, conditionsMatch, type Occurrence, type OccurrenceKind, triggerMatches } from './automation-match';
import { AutomationRepository, type StoredAutomation } from './automation.repository';

/** The trigger types an occurrence of each kind can start. */
const TRIGGERS_OF: Record<OccurrenceKind, readonly string[]> = {
  stage_changed: ['stage_changed'],
  score_changed: ['score_crossed'],
  event_received: ['event_received'],
  contact_created: ['contact_created'],
  opportunity_won: ['opportunity_won'],
  opportunity_lost: ['opportunity_lost'],
  backfill: [],
};

/** A webhook body's data beyond the automation and trigger: what happened, as the triggering event said it. */
function webhookPayload(automation: StoredAutomation, occurrence: Occurrence, runId: string): Record<string, unknown> {
  return {
    automation: { id: automation.id, name: automation.name },
    runId,
    trigger: occurrence.kind,
    occurrenceId: occurrence.occurrenceId,
    contactId: occurrence.contactId,
    data: occurrence.data,
  };
}

/**
 * Runs the automations an occurrence triggers, inside the transaction that records the triggering
 * event in the inbox (or a backfill's batch). Each automation runs at most once per occurrence: its
 * run row, unique on (automation, occurrence), is written first, and a second delivery or a replay of
 * the same occurrence finds it and does nothing. The actions are events through the outbox: the
 * webhook for the gateway to deliver, the contact changes for contacts to apply.
 */
@Injectable()
export class AutomationEngineService {
  constructor(
    private readonly repository: AutomationRepository,
    private readonly outbox: Outbox,
  ) {}

  /**
   * Runs every enabled automation that occurrences of `kind` trigger, one occurrence per item (made
   * by `occurrenceOf` only for an item whose workspace has such an automation: most batches meet
   * none, and then cost one query); how many runs it recorded.
   */
  async run<T extends { workspaceId: string }>(
    manager: EntityManager,
    kind: Exclude<OccurrenceKind, 'backfill'>,
    items: readonly T[],
    occurrenceOf: (item: T) => Occurrence,
  ): Promise<number> {
    if (items.length === 0) return 0;
    const automations = await this.repository.enabledFor(
      manager,
      items.map((item) => item.workspaceId),
      TRIGGERS_OF[kind],
    );
    if (automations.length === 0) return 0;
    let runs = 0;
    for (const item of items) {
      const candidates = automations.filter((a) => a.workspaceId === item.workspaceId);
      if (candidates.length === 0) continue;
      const occurrence = occurrenceOf(item);
      const facts = await this.factsOf(manager, occurrence);
      for (const automation of candidates) {
        if (await this.runOne(manager, automation, occurrence, facts)) runs += 1;
      }
    }
    return runs;
  }

  /** What scoring knows of the occurrence's contact, now (after the change that triggered it). */
  async factsOf(manager: EntityManager, occurrence: Occurrence): Promise<ContactFacts> {
    if (!occurrence.contactId) return { score: null, stage: null, fields: null };
    const facts = await this.repository.contactFacts(manager, occurrence.workspaceId, [occurrence.contactId]);
    return facts.get(occurrence.contactId) ?? { score: null, stage: null, fields: null };
  }

  /**
   * Runs one automation for one occurrence when the trigger and conditions match: true when it
   * recorded a run (completed, or held back by the cooldown), false when they did not match or the
   * occurrence had run it before.
   */
  async runOne(manager: EntityManager, automation: StoredAutomation, occurrence: Occurrence, facts: ContactFacts): Promise<boolean> {
    if (!triggerMatches(automation.trigger, occurrence, facts) || !conditionsMatch(automation.conditions, occurrence, facts)) return false;
    const runId = uuidv7();
    const trigger = occurrence.kind === 'backfill' ? 'backfill' : automation.trigger.type;
    const claimed = await this.repository.claimRun(manager, {
      id: runId,
      workspaceId: occurrence.workspaceId,
      automationId: automation.id,
      occurrenceId: occurrence.occurrenceId,
      contactId: occurrence.contactId,
      trigger,
    });
    if (!claimed) return false;
    const workspaceId = occurrence.workspaceId;
    const correlationId = occurrence.correlationId;
    const completed = (actions: string[], outcome: 'completed' | 'skipped_cooldown'): NewEvent => ({
      type: EventTypes.automationRunCompleted,
      workspaceId,
      correlationId,
      data: {
        automationId: automation.id,
        runId,
        contactId: occurrence.contactId,
        trigger,
        occurrenceId: occurrence.occurrenceId,
        actions,
        outcome,
      },
    });
    if (
      automation.cooldownSeconds !== null &&
      occurrence.contactId &&
      !(await this.repository.takeCooldown(manager, automation.id, occurrence.contactId, occurrence.at, automation.cooldownSeconds))
    ) {
      await this.repository.finishRun(manager, runId, 'skipped_cooldown', [], 'cooldown');
      await this.outbox.add(manager, completed([], 'skipped_cooldown'));
      return true;
    }
    const done: Array<Record<string, unknown>> = [];
    const events: NewEvent[] = [];
    const change: { ownerId?: string; addTags: string[]; removeTags: string[]; lifecycle?: AutomationAction & { type: 'set_lifecycle' } } =
      {
        addTags: [],
        removeTags: [],
      };
    let contactChange = false;
    for (const action of automation.actions) {
      switch (action.type) {
        case 'webhook':
          events.push({
            type: EventTypes.automationWebhookRequested,
            workspaceId,
            correlationId,
            data: {
              automationId: automation.id,
              runId,
              endpointId: action.endpointId,
              contactId: occurrence.contactId,
              trigger,
              occurredAt: new Date(occurrence.at).toISOString(),
              payload: webhookPayload(automation, occurrence, runId),
            },
          });
          done.push({ ...action });
          break;
        case 'assign_owner': {
          // The round robin's position is stored with the automation and taken once per run: the run row
          // keeps who was chosen, and a redelivered occurrence finds the run and chooses no one again.
          const position = action.strategy === 'fixed' ? 0 : await this.repository.nextOwnerPosition(manager, automation.id);
          const ownerId = action.ownerIds[position % action.ownerIds.length] as string;
          change.ownerId = ownerId;
          contactChange = true;
          done.push({ ...action, ownerId });
          break;
        }
        case 'add_tag':
          change.addTags.push(action.tag);
          change.removeTags = change.removeTags.filter((t) => t !== action.tag);
          contactChange = true;
          done.push({ ...action });
          break;
        case 'remove_tag':
          change.removeTags.push(action.tag);
          change.addTags = change.addTags.filter((t) => t !== action.tag);
          contactChange = true;
          done.push({ ...action });
          break;
        case 'set_lifecycle':
          change.lifecycle = action;
          contactChange = true;
          done.push({ ...action });
          break;
      }
    }
    let error: string | null = null;
    if (contactChange) {
      if (occurrence.contactId) {
        events.push({
          type: EventTypes.automationContactChangeRequested,
          workspaceId,
          correlationId,
          data: {
            automationId: automation.id,
            runId,
            contactId: occurrence.contactId,
            ...(change.ownerId !== undefined ? { ownerId: change.ownerId } : {}),
            ...(change.addTags.length > 0 ? { addTags: [...new Set(change.addTags)] } : {}),
            ...(change.removeTags.length > 0 ? { removeTags: [...new Set(change.removeTags)] } : {}),
            ...(change.lifecycle ? { lifecycle: change.lifecycle.lifecycle } : {}),
          },
        });
      } else error = 'no contact to change';
    }
    await this.repository.finishRun(manager, runId, 'completed', done, error);
    events.push(
      completed(
        done.map((a) => a.type as string),
        'completed',
      ),
    );
    await this.outbox.addMany(manager, events);
    return true;
  }
}
