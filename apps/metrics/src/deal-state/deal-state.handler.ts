import { EventTypes } from '@leadflow/contracts';
import { ConsumesEvents, type EventBatch } from '@leadflow/messaging';
import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { DealStateService } from './deal-state.service';

/** Opportunity and conversion events in, deal state out; each batch in the transaction of its inbox rows. */
@Injectable()
export class DealStateHandler {
  constructor(private readonly deals: DealStateService) {}

  @ConsumesEvents(EventTypes.opportunityCreated)
  onCreated(events: EventBatch<typeof EventTypes.opportunityCreated>, manager: EntityManager): Promise<void> {
    return this.deals.applyOpportunityChanges(events, manager);
  }

  @ConsumesEvents(EventTypes.opportunityUpdated)
  onUpdated(events: EventBatch<typeof EventTypes.opportunityUpdated>, manager: EntityManager): Promise<void> {
    return this.deals.applyOpportunityChanges(events, manager);
  }

  @ConsumesEvents(EventTypes.opportunityWon)
  onWon(events: EventBatch<typeof EventTypes.opportunityWon>, manager: EntityManager): Promise<void> {
    return this.deals.applyOpportunityChanges(events, manager);
  }

  @ConsumesEvents(EventTypes.opportunityLost)
  onLost(events: EventBatch<typeof EventTypes.opportunityLost>, manager: EntityManager): Promise<void> {
    return this.deals.applyOpportunityChanges(events, manager);
  }

  @ConsumesEvents(EventTypes.leadConverted)
  onConverted(events: EventBatch<typeof EventTypes.leadConverted>, manager: EntityManager): Promise<void> {
    return this.deals.recordConversions(events, manager);
  }
}
