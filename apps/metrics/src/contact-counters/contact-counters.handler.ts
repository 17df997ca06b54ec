import { EventTypes } from '@leadflow/contracts';
import { ConsumesEvents, type EventBatch } from '@leadflow/messaging';
import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { ContactCountersService } from './contact-counters.service';

/** Contact record events in, daily counters out, in the transaction that records the events in the inbox. */
@Injectable()
export class ContactCountersHandler {
  constructor(private readonly counters: ContactCountersService) {}

  @ConsumesEvents(EventTypes.contactCreated)
  async onContactsCreated(events: EventBatch<typeof EventTypes.contactCreated>, manager: EntityManager): Promise<void> {
    await this.counters.count(
      manager,
      events.map((event) => ({ event, counter: 'created' })),
    );
  }

  @ConsumesEvents(EventTypes.contactDeleted)
  async onContactsDeleted(events: EventBatch<typeof EventTypes.contactDeleted>, manager: EntityManager): Promise<void> {
    await this.counters.count(
      manager,
      events.map((event) => ({ event, counter: 'deleted', at: event.data.deletedAt })),
    );
  }

  @ConsumesEvents(EventTypes.contactRestored)
  async onContactsRestored(events: EventBatch<typeof EventTypes.contactRestored>, manager: EntityManager): Promise<void> {
    await this.counters.count(
      manager,
      events.map((event) => ({ event, counter: 'restored' })),
    );
  }
}
