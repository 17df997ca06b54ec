import {
  asContactCreated,
  type ContactChangedData,
  type EventEnvelope,
  EventTypes,
  type LeadAttributedData,
  type OpportunityChangedData,
  type ScoreChangedData,
  type StageChangedData,
} from '@leadflow/contracts';
import { ConsumesEvents, type EventBatch } from '@leadflow/messaging';
import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { AutomationEngineService } from './automation-engine.service';
import type { ContactFields, Occurrence } from './automation-match';
import { AutomationRepository } from './automation.repository';

/** An activity scoring just scored, as a possible `event_received` occurrence. */
export interface ScoredActivity {
  workspaceId: string;
  contactId: string;
  activityId: string;
  /** The event name rules match (a track's name, `page_view`, `lead_submitted`…). */
  type: string;
  at: string;
  source: string;
  offer: string | null;
  properties: Record<string, unknown>;
  correlationId?: string;
}

function fieldsOf(data: ContactChangedData): ContactFields {
  return {
    tags: data.tags ?? [],
    ownerId: data.ownerId ?? null,
    lifecycle: data.lifecycle ?? null,
    company: data.company ?? null,
    title: data.title ?? null,
    country: data.country ?? null,
  };
}

/** The base of an occurrence of a triggering event: its id (with the event type) is the occurrence id. */
function occurrenceOf(event: EventEnvelope<object>, kind: Occurrence['kind'], contactId: string | null): Occurrence {
  return {
    workspaceId: event.workspaceId,
    occurrenceId: `${event.type}:${event.id}`,
    kind,
    contactId,
    at: event.occurredAt,
    correlationId: event.correlationId,
    data: { ...event.data },
  };
}

/**
 * The events automations react to, each run in the transaction of its inbox row: contacts created,
 * opportunities won or lost; and the contact fields (`contact.created|updated`) their conditions
 * test. Scoring's own stage and score changes are not consumed back from its stream: they run in
 * the transaction that announces them (`onScoreChanges`, from the recalculator), as activities do
 * once scored (`onActivities`).
 */
@Injectable()
export class AutomationEventsHandler {
  constructor(
    private readonly engine: AutomationEngineService,
    private readonly repository: AutomationRepository,
  ) {}

  /**
   * Score and stage changes just written to the outbox (stage changes, then score changes, each in
   * order): each is the occurrence its event id names, as when they were consumed from the stream.
   */
  async onScoreChanges(manager: EntityManager, events: ReadonlyArray<EventEnvelope<object>>): Promise<void> {
    const stage = events.filter((e): e is EventEnvelope<StageChangedData> => e.type === EventTypes.stageChanged);
    const score = events.filter((e): e is EventEnvelope<ScoreChangedData> => e.type === EventTypes.scoreChanged);
    if (stage.length > 0) await this.onStageChanged(stage, manager);
    if (score.length > 0) await this.onScoreChanged(score, manager);
  }

  async onStageChanged(events: ReadonlyArray<EventEnvelope<StageChangedData>>, manager: EntityManager): Promise<void> {
    await this.engine.run(manager, 'stage_changed', events, (event) => ({
      ...occurrenceOf(event, 'stage_changed', event.data.contactId.toLowerCase()),
      fromStage: event.data.from,
      toStage: event.data.to,
      source: event.data.source,
      offer: event.data.offer,
    }));
  }

  async onScoreChanged(events: ReadonlyArray<EventEnvelope<ScoreChangedData>>, manager: EntityManager): Promise<void> {
    await this.engine.run(manager, 'score_changed', events, (event) => ({
      ...occurrenceOf(event, 'score_changed', event.data.contactId.toLowerCase()),
      score: event.data.score,
      previousScore: event.data.previousScore,
    }));
  }

  /**
   * The events announcing new contacts that scoring applies: all but those of contacts made from
   * leads (`contact.created_from_lead`, or a `contact.created` of an earlier release naming the
   * lead), whose fields `lead.attributed` keeps (`keepFieldsOfContactsMadeFrom`), unless their
   * workspace has an enabled `contact_created` automation, which they trigger.
   */
  async wantsContactsCreated(
    events: EventBatch<typeof EventTypes.contactCreated | typeof EventTypes.contactCreatedFromLead>,
  ): Promise<boolean[]> {
    const fromLeads = events.filter((event) => event.data.leadId !== undefined);
    const triggering =
      fromLeads.length === 0
        ? new Set<string>()
        : await this.repository.workspacesWithTrigger(
            fromLeads.map((event) => event.workspaceId),
            'contact_created',
          );
    return events.map((event) => event.data.leadId === undefined || triggering.has(event.workspaceId));
  }

  /**
   * The first fields of the contacts these leads made, as their `contact.created` (which names the
   * lead and is not applied here) carries them: the lead's country, nothing else set. Kept only for
   * a contact scoring holds no fields of yet; a redelivered lead changes nothing.
   */
  async keepFieldsOfContactsMadeFrom(manager: EntityManager, leads: ReadonlyArray<EventEnvelope<LeadAttributedData>>): Promise<void> {
    await this.repository.keepFirstContactFields(
      manager,
      leads.flatMap(({ workspaceId, data }) =>
        data.isNewContact && data.contactCreatedEventId !== undefined
          ? [
              {
                workspaceId,
                contactId: data.contactId.toLowerCase(),
                version: 0,
                fields: fieldsOf({
                  contactId: data.contactId,
                  email: null,
                  phone: null,
                  firstName: null,
                  lastName: null,
                  country: data.country,
                }),
              },
            ]
          : [],
      ),
    );
  }

  @ConsumesEvents(EventTypes.contactCreated, {
    wanted: (handler: AutomationEventsHandler, events) => handler.wantsContactsCreated(events),
  })
  async onContactCreated(events: EventBatch<typeof EventTypes.contactCreated>, manager: EntityManager): Promise<void> {
    await this.saveFields(events, manager);
    await this.engine.run(manager, 'contact_created', events, (event) =>
      occurrenceOf(event, 'contact_created', event.data.contactId.toLowerCase()),
    );
  }

  /**
   * Contacts made from leads, consumed only while some workspace has an enabled `contact_created`
   * automation (`onDemand`; the automations API tells `ConsumerDemand` of each change): otherwise
   * NATS delivers scoring none of them.
   */
  @ConsumesEvents(EventTypes.contactCreatedFromLead, {
    wanted: (handler: AutomationEventsHandler, events) => handler.wantsContactsCreated(events),
    onDemand: (handler: AutomationEventsHandler) => handler.anyTriggeredByNewContacts(),
  })
  async onContactCreatedFromLead(events: EventBatch<typeof EventTypes.contactCreatedFromLead>, manager: EntityManager): Promise<void> {
    await this.onContactCreated(asContactCreated(events), manager);
  }

  /** Whether some workspace has an enabled `contact_created` automation, which contacts made from leads trigger. */
  anyTriggeredByNewContacts(): Promise<boolean> {
    return this.repository.anyWithTrigger('contact_created');
  }

  @ConsumesEvents(EventTypes.contactUpdated)
  async onContactUpdated(events: EventBatch<typeof EventTypes.contactUpdated>, manager: EntityManager): Promise<void> {
    await this.saveFields(events, manager);
  }

  @ConsumesEvents(EventTypes.opportunityWon)
  async onOpportunityWon(events: EventBatch<typeof EventTypes.opportunityWon>, manager: EntityManager): Promise<void> {
    await this.recordOutcomes(events, 'won', manager);
    await this.engine.run(manager, 'opportunity_won', events, (event) => this.opportunity(event, 'opportunity_won'));
  }

  @ConsumesEvents(EventTypes.opportunityLost)
  async onOpportunityLost(events: EventBatch<typeof EventTypes.opportunityLost>, manager: EntityManager): Promise<void> {
    await this.recordOutcomes(events, 'lost', manager);
    await this.engine.run(manager, 'opportunity_lost', events, (event) => this.opportunity(event, 'opportunity_lost'));
  }

  /** Activities scored in this transaction: each is an occurrence of `event_received`, keyed by the activity. */
  async onActivities(manager: EntityManager, activities: readonly ScoredActivity[]): Promise<void> {
    await this.engine.run(manager, 'event_received', activities, (activity) => ({
      workspaceId: activity.workspaceId,
      occurrenceId: `activity:${activity.activityId}`,
      kind: 'event_received',
      contactId: activity.contactId,
      at: activity.at,
      correlationId: activity.correlationId,
      event: activity.type,
      properties: activity.properties,
      source: activity.source,
      offer: activity.offer,
      data: { activityId: activity.activityId, event: activity.type, at: activity.at, properties: activity.properties },
    }));
  }

  private opportunity(event: EventEnvelope<OpportunityChangedData>, kind: 'opportunity_won' | 'opportunity_lost'): Occurrence {
    return occurrenceOf(event, kind, event.data.contactId.toLowerCase());
  }

  /** Kept for backfills of opportunity automations: which contacts have won or lost one. */
  private async recordOutcomes(
    events: ReadonlyArray<EventEnvelope<OpportunityChangedData>>,
    outcome: 'won' | 'lost',
    manager: EntityManager,
  ): Promise<void> {
    await this.repository.recordOpportunityOutcomes(
      manager,
      events.map(({ workspaceId, occurredAt, data }) => ({
        workspaceId,
        contactId: data.contactId.toLowerCase(),
        outcome,
        at: data.closedAt ?? occurredAt,
      })),
    );
  }

  private async saveFields(events: ReadonlyArray<EventEnvelope<ContactChangedData>>, manager: EntityManager): Promise<void> {
    await this.repository.saveContactFields(
      manager,
      events.map(({ workspaceId, data }) => ({
        workspaceId,
        contactId: data.contactId.toLowerCase(),
        version: data.version ?? 0,
        fields: fieldsOf(data),
      })),
    );
  }
}
