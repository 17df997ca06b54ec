import { asContactCreated, type EventEnvelope, type EventType, EventTypes } from '@leadflow/contracts';
import { ConsumesEvents, type EventBatch } from '@leadflow/messaging';
import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { WebhookDeliveriesService } from './webhook-deliveries.service';

/**
 * Events no endpoint of their workspace subscribes to are acknowledged without a transaction, and
 * a message whose workspaces have no such endpoint without being read; while no workspace has one,
 * the type has no consumer (`onDemand`), so that NATS delivers the gateway nothing of it.
 */
const toEndpoints = {
  wanted: (handler: WebhookEventsHandler, events: ReadonlyArray<EventEnvelope<object>>): Promise<boolean[]> =>
    handler.deliveries.wanted(events),
  wantsWorkspace: (handler: WebhookEventsHandler, workspaceId: string, type: EventType): Promise<boolean> =>
    handler.deliveries.wantsAny(workspaceId, type),
  onDemand: (handler: WebhookEventsHandler, type: EventType): Promise<boolean> => handler.deliveries.wantedAnywhere(type),
};
/** The same, with the postbacks of the intake key that sent the lead. */
const toEndpointsOrPostbacks = {
  wanted: (handler: WebhookEventsHandler, events: ReadonlyArray<EventEnvelope<object>>): Promise<boolean[]> =>
    handler.deliveries.wanted(events, true),
  wantsWorkspace: (handler: WebhookEventsHandler, workspaceId: string, type: EventType): Promise<boolean> =>
    handler.deliveries.wantsAny(workspaceId, type, true),
  onDemand: (handler: WebhookEventsHandler, type: EventType): Promise<boolean> => handler.deliveries.wantedAnywhere(type, true),
};

/** The same for a contact made from a lead, which endpoints receive as a `contact.created`, as any other new contact. */
const toEndpointsAsContactCreated = {
  wanted: (handler: WebhookEventsHandler, events: ReadonlyArray<EventEnvelope<object>>): Promise<boolean[]> =>
    handler.deliveries.wanted(asContactCreated(events)),
  wantsWorkspace: (handler: WebhookEventsHandler, workspaceId: string): Promise<boolean> =>
    handler.deliveries.wantsAny(workspaceId, EventTypes.contactCreated),
  onDemand: (handler: WebhookEventsHandler): Promise<boolean> => handler.deliveries.wantedAnywhere(EventTypes.contactCreated),
};

/**
 * The public domain events (WEBHOOK_EVENT_TYPES) become deliveries to the endpoints subscribed to
 * them, and automations' webhook actions deliveries to the endpoint they name, in the transaction
 * (and stage changes and conversions postbacks to the intake key that sent the lead, when it has a
 * postback URL) that records the events in the inbox: an event is delivered at least once, and a redelivered
 * event makes no second delivery. An event no endpoint (nor postback) wants is acknowledged without a
 * transaction: the events of a workspace without endpoints cost the database nothing.
 */
@Injectable()
export class WebhookEventsHandler {
  constructor(readonly deliveries: WebhookDeliveriesService) {}

  /** A lead's click id is kept only for a sender with a postback: a lead no one wants costs no transaction. */
  @ConsumesEvents(EventTypes.leadIngested, toEndpointsOrPostbacks)
  async onLeadIngested(events: EventBatch<typeof EventTypes.leadIngested>, manager: EntityManager): Promise<void> {
    await this.deliveries.enqueueEvents(events, manager);
    await this.deliveries.rememberClicks(events, manager);
  }

  @ConsumesEvents(EventTypes.contactCreated, toEndpoints)
  async onContactCreated(events: EventBatch<typeof EventTypes.contactCreated>, manager: EntityManager): Promise<void> {
    await this.deliveries.enqueueEvents(events, manager);
  }

  @ConsumesEvents(EventTypes.contactCreatedFromLead, toEndpointsAsContactCreated)
  async onContactCreatedFromLead(events: EventBatch<typeof EventTypes.contactCreatedFromLead>, manager: EntityManager): Promise<void> {
    await this.deliveries.enqueueEvents(asContactCreated(events), manager);
  }

  @ConsumesEvents(EventTypes.contactUpdated, toEndpoints)
  async onContactUpdated(events: EventBatch<typeof EventTypes.contactUpdated>, manager: EntityManager): Promise<void> {
    await this.deliveries.enqueueEvents(events, manager);
  }

  @ConsumesEvents(EventTypes.contactMerged, toEndpoints)
  async onContactMerged(events: EventBatch<typeof EventTypes.contactMerged>, manager: EntityManager): Promise<void> {
    await this.deliveries.enqueueEvents(events, manager);
  }

  @ConsumesEvents(EventTypes.contactDeleted, toEndpoints)
  async onContactDeleted(events: EventBatch<typeof EventTypes.contactDeleted>, manager: EntityManager): Promise<void> {
    await this.deliveries.enqueueEvents(events, manager);
  }

  @ConsumesEvents(EventTypes.contactRestored, toEndpoints)
  async onContactRestored(events: EventBatch<typeof EventTypes.contactRestored>, manager: EntityManager): Promise<void> {
    await this.deliveries.enqueueEvents(events, manager);
  }

  @ConsumesEvents(EventTypes.scoreChanged, toEndpoints)
  async onScoreChanged(events: EventBatch<typeof EventTypes.scoreChanged>, manager: EntityManager): Promise<void> {
    await this.deliveries.enqueueEvents(events, manager);
  }

  @ConsumesEvents(EventTypes.stageChanged, toEndpointsOrPostbacks)
  async onStageChanged(events: EventBatch<typeof EventTypes.stageChanged>, manager: EntityManager): Promise<void> {
    await this.deliveries.enqueueEvents(events, manager);
    await this.deliveries.enqueuePostbacks(
      events,
      (data) => ({ stage: data.to, from_stage: data.from, contact_id: data.contactId, offer: data.offer }),
      // A lead's activity id is the lead's id.
      (data) => data.activityId,
      manager,
    );
  }

  @ConsumesEvents(EventTypes.opportunityCreated, toEndpoints)
  async onOpportunityCreated(events: EventBatch<typeof EventTypes.opportunityCreated>, manager: EntityManager): Promise<void> {
    await this.deliveries.enqueueEvents(events, manager);
  }

  @ConsumesEvents(EventTypes.opportunityUpdated, toEndpoints)
  async onOpportunityUpdated(events: EventBatch<typeof EventTypes.opportunityUpdated>, manager: EntityManager): Promise<void> {
    await this.deliveries.enqueueEvents(events, manager);
  }

  @ConsumesEvents(EventTypes.opportunityWon, toEndpoints)
  async onOpportunityWon(events: EventBatch<typeof EventTypes.opportunityWon>, manager: EntityManager): Promise<void> {
    await this.deliveries.enqueueEvents(events, manager);
  }

  @ConsumesEvents(EventTypes.opportunityLost, toEndpoints)
  async onOpportunityLost(events: EventBatch<typeof EventTypes.opportunityLost>, manager: EntityManager): Promise<void> {
    await this.deliveries.enqueueEvents(events, manager);
  }

  @ConsumesEvents(EventTypes.automationRunCompleted, toEndpoints)
  async onAutomationRunCompleted(events: EventBatch<typeof EventTypes.automationRunCompleted>, manager: EntityManager): Promise<void> {
    await this.deliveries.enqueueEvents(events, manager);
  }

  @ConsumesEvents(EventTypes.endpointDisabled, toEndpoints)
  async onEndpointDisabled(events: EventBatch<typeof EventTypes.endpointDisabled>, manager: EntityManager): Promise<void> {
    await this.deliveries.enqueueEvents(events, manager);
  }

  /** A conversion is told to the sender of the lead only (it is no public event of its own). */
  @ConsumesEvents(EventTypes.leadConverted)
  async onLeadConverted(events: EventBatch<typeof EventTypes.leadConverted>, manager: EntityManager): Promise<void> {
    await this.deliveries.enqueuePostbacks(
      events,
      (data) => ({ stage: 'converted', lead_id: data.leadId, contact_id: data.contactId, offer: data.offer }),
      (data) => data.leadId,
      manager,
    );
  }

  @ConsumesEvents(EventTypes.automationWebhookRequested)
  async onAutomationWebhookRequested(
    events: EventBatch<typeof EventTypes.automationWebhookRequested>,
    manager: EntityManager,
  ): Promise<void> {
    await this.deliveries.enqueueAutomationWebhooks(events, manager);
  }
}
