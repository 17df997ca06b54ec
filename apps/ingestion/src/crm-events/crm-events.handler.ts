import { EventTypes } from '@leadflow/contracts';
import { ConsumesEvents, type EventBatch } from '@leadflow/messaging';
import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { CrmEventsService } from './crm-events.service';

/** Contacts' outcome of each CRM event it was handed, kept on the event in the inbox's transaction. */
@Injectable()
export class CrmEventsHandler {
  constructor(private readonly events: CrmEventsService) {}

  @ConsumesEvents(EventTypes.crmEventProcessed)
  onProcessed(events: EventBatch<typeof EventTypes.crmEventProcessed>, manager: EntityManager): Promise<void> {
    return this.events.onProcessed(events, manager);
  }
}
