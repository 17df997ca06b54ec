import { ActivityTypes, type ContactMergedData, type EventEnvelope, EventTypes, type LeadAttributedData } from '@leadflow/contracts';
import { HandlesEvent } from '@leadflow/messaging';
import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { FitConditions } from '../rules/scoring-rule';
import { ActivityScoringService } from './activity-scoring.service';
import { ContactMergeService } from './contact-merge.service';
import { ContactMergedDto } from './dto/contact-merged.dto';
import { LeadAttributedDto } from './dto/lead-attributed.dto';
import { parseEventData } from './event-data';

/** The events scoring consumes, translated into activities and merges. */
@Injectable()
export class ScoringEventsHandler {
  constructor(
    private readonly activities: ActivityScoringService,
    private readonly merges: ContactMergeService,
  ) {}

  @HandlesEvent(EventTypes.leadAttributed)
  async onLeadAttributed(event: EventEnvelope<LeadAttributedData>, manager: EntityManager): Promise<void> {
    const lead = parseEventData(LeadAttributedDto, event.type, event.data);
    await this.activities.score(manager, event.workspaceId, {
      contactId: lead.contactId.toLowerCase(),
      activityId: lead.leadId,
      type: ActivityTypes.leadSubmitted,
      at: lead.receivedAt,
      source: lead.source,
      offer: lead.offer ?? null,
      country: lead.country ?? null,
      conditions: { [FitConditions.emailValid]: lead.emailValid, [FitConditions.phoneValid]: lead.phoneValid },
    });
  }

  @HandlesEvent(EventTypes.contactMerged)
  async onContactMerged(event: EventEnvelope<ContactMergedData>, manager: EntityManager): Promise<void> {
    const merge = parseEventData(ContactMergedDto, event.type, event.data);
    await this.merges.merge(manager, event.workspaceId, {
      survivorId: merge.survivorId.toLowerCase(),
      mergedId: merge.mergedId.toLowerCase(),
      at: event.occurredAt,
    });
  }
}
