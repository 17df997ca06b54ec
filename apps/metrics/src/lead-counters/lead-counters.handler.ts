import { type EventEnvelope, EventTypes, type LeadAttributedData, type LeadIngestedData, type StageChangedData } from '@leadflow/contracts';
import { HandlesEvent } from '@leadflow/messaging';
import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { LeadCountersService } from './lead-counters.service';

/** Domain events in, counter increments out; each runs in the transaction that records the event in the inbox. */
@Injectable()
export class LeadCountersHandler {
  constructor(private readonly counters: LeadCountersService) {}

  @HandlesEvent(EventTypes.leadIngested)
  async onLeadIngested(event: EventEnvelope<LeadIngestedData>, manager: EntityManager): Promise<void> {
    await this.counters.countLeadIngested(event, manager);
  }

  @HandlesEvent(EventTypes.leadAttributed)
  async onLeadAttributed(event: EventEnvelope<LeadAttributedData>, manager: EntityManager): Promise<void> {
    await this.counters.countLeadAttributed(event, manager);
  }

  @HandlesEvent(EventTypes.stageChanged)
  async onStageChanged(event: EventEnvelope<StageChangedData>, manager: EntityManager): Promise<void> {
    await this.counters.countStageChanged(event, manager);
  }
}
