import { EventTypes } from '@leadflow/contracts';
import { ConsumesEvents, type EventBatch } from '@leadflow/messaging';
import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { WebhookDeliveriesService } from './webhook-deliveries.service';

/**
 * The public domain events (WEBHOOK_EVENT_TYPES) become deliveries to the endpoints subscribed to
 * them, and automations' webhook actions deliveries to the endpoint they name, in the transaction
 * (and stage changes and conversions postbacks to the intake key that sent the lead, when it has a
 * postback URL) that records the events in the inbox: an event is delivered at least once, and a redelivered
 * event makes no second delivery.
 */
@Injectable()
export class WebhookEventsHandler {
  constructor(private readonly deliveries: WebhookDeliveriesService) {}

  @ConsumesEvents(EventTypes.leadIngested)
  async onLeadIngested(events: EventBatch<typeof EventTypes.leadIngested>, manager: EntityManager): Promise<void> {
    await this.deliveries.enqueueEvents(events, manager);
    await this.deliveries.rememberClicks(events, manager);
  }

  @ConsumesEvents(EventTypes.contactCreated)
  async onContactCreated(events: EventBatch<typeof EventTypes.contactCreated>, manager: EntityManager): Promise<void> {
    await this.deliveries.enqueueEvents(events, manager);
  }

  @ConsumesEvents(EventTypes.contactUpdated)
  async onContactUpdated(events: EventBatch<typeof EventTypes.contactUpdated>, manager: EntityManager): Promise<void> {
    await this.deliveries.enqueueEvents(events, manager);
  }

  @ConsumesEvents(EventTypes.contactMerged)
  async onContactMerged(events: EventBatch<typeof EventTypes.contactMerged>, manager: EntityManager): Promise<void> {
    await this.deliveries.enqueueEvents(events, manager);
  }

  @ConsumesEvents(EventTypes.contactDeleted)
  async onContactDeleted(events: EventBatch<typeof EventTypes.contactDeleted>, manager: EntityManager): Promise<void> {
    await this.deliveries.enqueueEvents(events, manager);
  }

  @ConsumesEvents(EventTypes.contactRestored)
  async onContactRestored(events: EventBatch<typeof EventTypes.contactRestored>, manager: EntityManager): Promise<void> {
    await this.deliveries.enqueueEvents(events, manager);
  }

  @ConsumesEvents(EventTypes.scoreChanged)
  async onScoreChanged(events: EventBatch<typeof EventTypes.scoreChanged>, manager: EntityManager): Promise<void> {
    await this.deliveries.enqueueEvents(events, manager);
  }

  @ConsumesEvents(EventTypes.stageChanged)
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

  @ConsumesEvents(EventTypes.opportunityCreated)
  async onOpportunityCreated(events: EventBatch<typeof EventTypes.opportunityCreated>, manager: EntityManager): Promise<void> {
    await this.deliveries.enqueueEvents(events, manager);
  }

  @ConsumesEvents(EventTypes.opportunityUpdated)
  async onOpportunityUpdated(events: EventBatch<typeof EventTypes.opportunityUpdated>, manager: EntityManager): Promise<void> {
    await this.deliveries.enqueueEvents(events, manager);
  }

  @ConsumesEvents(EventTypes.opportunityWon)
  async onOpportunityWon(events: EventBatch<typeof EventTypes.opportunityWon>, manager: EntityManager): Promise<void> {
    await this.deliveries.enqueueEvents(events, manager);
  }

  @ConsumesEvents(EventTypes.opportunityLost)
  async onOpportunityLost(events: EventBatch<typeof EventTypes.opportunityLost>, manager: EntityManager): Promise<void> {
    await this.deliveries.enqueueEvents(events, manager);
  }

  @ConsumesEvents(EventTypes.automationRunCompleted)
  async onAutomationRunCompleted(events: EventBatch<typeof EventTypes.automationRunCompleted>, manager: EntityManager): Promise<void> {
    await this.deliveries.enqueueEvents(events, manager);
  }

  @ConsumesEvents(EventTypes.endpointDisabled)
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
