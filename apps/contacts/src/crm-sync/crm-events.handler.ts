import { EventTypes } from '@leadflow/contracts';
import { ConsumesEvents, type EventBatch } from '@leadflow/messaging';
import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { CrmSyncService } from './crm-sync.service';

/** Applies the CRM events ingestion stored and read, and answers each with `crm_event.processed`. */
@Injectable()
export class CrmEventsHandler {
  constructor(private readonly sync: CrmSyncService) {}

  @ConsumesEvents(EventTypes.crmEventReceived)
  async onCrmEventsReceived(events: EventBatch<typeof EventTypes.crmEventReceived>, manager: EntityManager): Promise<void> {
    await this.sync.apply(events, manager);
  }
}
