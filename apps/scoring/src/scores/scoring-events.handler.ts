import { type ActivityKind, ActivityTypes, EventTypes } from '@leadflow/contracts';
import { ConsumesEvents, type EventBatch, forEachEvent } from '@leadflow/messaging';
import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { AutomationEventsHandler } from '../automations/automation-events.handler';
import { ActivityScoringService, type ScoringActivity } from './activity-scoring.service';
import { ContactMergeService } from './contact-merge.service';

/** The event name rules match for an activity of this kind and name. */
export function activityEvent(kind: ActivityKind, name: string): string {
  if (kind === 'track') return name;
  return kind === 'page' ? 'page_view' : kind;
}

/** The events scoring consumes, translated into activities and merges. */
@Injectable()
export class ScoringEventsHandler {
  constructor(
    private readonly activities: ActivityScoringService,
    private readonly merges: ContactMergeService,
    private readonly automations: AutomationEventsHandler,
  ) {}

  /**
   * Scores the activities, then runs the automations the ones stored now trigger (`event_received`),
   * in the same transaction. An activity is stored once (keyed by its id under its contact), so an
   * event applied before changes nothing: these handlers need no inbox (`idempotent`).
   */
  private async scoreAndAutomate(manager: EntityManager, activities: ScoringActivity[]): Promise<void> {
    await this.automations.onActivities(manager, await this.activities.score(manager, activities));
  }

  @ConsumesEvents(EventTypes.leadAttributed, { idempotent: true })
  async onLeadsAttributed(events: EventBatch<typeof EventTypes.leadAttributed>, manager: EntityManager): Promise<void> {
    await this.scoreAndAutomate(
      manager,
      events.map(({ workspaceId, correlationId, data: lead }) => ({
        workspaceId,
        correlationId,
        contactId: lead.contactId.toLowerCase(),
        activityId: lead.leadId,
        type: ActivityTypes.leadSubmitted,
        at: lead.receivedAt,
        source: lead.source,
        offer: lead.offer,
        country: lead.country,
        properties: {},
        // The lead's fit facts, which fit rules test as traits.
        traits: { emailValid: lead.emailValid, phoneValid: lead.phoneValid, source: lead.source, offer: lead.offer, country: lead.country },
      })),
    );
    // The automations' copy of the contacts these leads made (their contact.created is not applied).
    await this.automations.keepFieldsOfContactsMadeFrom(manager, events);
  }

  /**
   * Tracked activities. A `page` is scored as `page_view` (its name stays in the properties as
   * `name`), `identify` and `alias` under their kind, a `track` under its event name.
   */
  @ConsumesEvents(EventTypes.activityAttributed, { idempotent: true })
  async onActivitiesAttributed(events: EventBatch<typeof EventTypes.activityAttributed>, manager: EntityManager): Promise<void> {
    await this.scoreAndAutomate(
      manager,
      events.map(({ workspaceId, correlationId, data }) => ({
        workspaceId,
        correlationId,
        contactId: data.contactId.toLowerCase(),
        activityId: data.activityId.toLowerCase(),
        type: activityEvent(data.kind, data.name),
        at: data.occurredAt,
        source: data.source,
        offer: typeof data.properties.offer === 'string' ? data.properties.offer : null,
        country: typeof data.traits.country === 'string' ? data.traits.country : null,
        properties: data.kind === 'page' ? { name: data.name, ...data.properties } : data.properties,
        // What contacts judged of the event's email and phone: fit facts, as a lead's, over any sender trait of that name.
        traits: { ...data.traits, emailValid: data.emailValid, phoneValid: data.phoneValid },
      })),
    );
  }

  /**
   * One merge per transaction: a merge locks the score rows of both contacts, and a batch of them
   * would hold the rows of its first merges while it waits for those of the next, out of the key
   * order in which lead and activity batches lock them (they deadlocked in the merge tests).
   */
  @ConsumesEvents(EventTypes.contactMerged, { oneEventPerTransaction: true })
  async onContactsMerged(events: EventBatch<typeof EventTypes.contactMerged>, manager: EntityManager): Promise<void> {
    await forEachEvent(events, async ({ workspaceId, occurredAt, data: merge }) => {
      await this.merges.merge(manager, workspaceId, {
        survivorId: merge.survivorId.toLowerCase(),
        mergedId: merge.mergedId.toLowerCase(),
        at: occurredAt,
      });
    });
  }
}
