import { ActivityTypes, EventTypes } from '@leadflow/contracts';
import { ConsumesEvents, type EventBatch, forEachEvent } from '@leadflow/messaging';
import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { FitConditions } from '../rules/scoring-rule';
import { ActivityScoringService } from './activity-scoring.service';
import { ContactMergeService } from './contact-merge.service';

/** The events scoring consumes, translated into activities and merges. */
@Injectable()
export class ScoringEventsHandler {
  constructor(
    private readonly activities: ActivityScoringService,
    private readonly merges: ContactMergeService,
  ) {}

  @ConsumesEvents(EventTypes.leadAttributed)
  async onLeadsAttributed(events: EventBatch<typeof EventTypes.leadAttributed>, manager: EntityManager): Promise<void> {
    await this.activities.score(
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
        conditions: { [FitConditions.emailValid]: lead.emailValid, [FitConditions.phoneValid]: lead.phoneValid },
      })),
    );
  }

  @ConsumesEvents(EventTypes.contactMerged)
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
