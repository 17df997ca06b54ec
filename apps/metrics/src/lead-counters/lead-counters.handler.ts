import { EventTypes } from '@leadflow/contracts';
import { ConsumesEvents, type EventBatch, forEachEvent } from '@leadflow/messaging';
import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { ActivityMetricsService } from '../activity-metrics/activity-metrics.service';
import { DealStateService } from '../deal-state/deal-state.service';
import { LeadCountersService } from './lead-counters.service';

/**
 * Domain events in, counter increments out; each runs in the transaction that records the event in
 * the inbox, except `lead.attributed`: a lead is counted once per key (`counted_lead_events`, keyed
 * by the lead) and its origin recorded once (keyed by the lead), so it needs no inbox
 * (`idempotent`). Leads are counted from `lead.attributed`, which carries what the counters need
 * (day, source, offer, country): metrics is not delivered `lead.ingested`.
 */
@Injectable()
export class LeadCountersHandler {
  constructor(
    private readonly counters: LeadCountersService,
    private readonly deals: DealStateService,
    private readonly activity: ActivityMetricsService,
  ) {}

  @ConsumesEvents(EventTypes.leadAttributed, { idempotent: true })
  async onLeadsAttributed(events: EventBatch<typeof EventTypes.leadAttributed>, manager: EntityManager): Promise<void> {
    await forEachEvent(events, (event) => this.counters.countLeadAttributed(event, manager));
    // Deal funnels count leads by the source and offer they were attributed with.
    await this.deals.recordLeadOrigins(events, manager);
  }

  @ConsumesEvents(EventTypes.stageChanged)
  async onStagesChanged(events: EventBatch<typeof EventTypes.stageChanged>, manager: EntityManager): Promise<void> {
    await forEachEvent(events, (event) => this.counters.countStageChanged(event, manager));
    // The stage funnel: the day each contact first reached each stage.
    await this.activity.recordStagesReached(manager, events);
  }
}
