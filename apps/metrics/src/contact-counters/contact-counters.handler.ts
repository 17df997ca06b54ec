import { EventTypes } from '@leadflow/contracts';
import { ConsumesEvents, type EventBatch } from '@leadflow/messaging';
import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { ContactCountersService } from './contact-counters.service';

/**
 * Whether a `contact.created` is counted here: not when it names the lead that made the contact,
 * whose `lead.attributed` counts it (`LeadCountersService`), in the transaction that counts the lead.
 */
export function countedFromContactCreated(events: EventBatch<typeof EventTypes.contactCreated>): boolean[] {
  return events.map((event) => event.data.leadId === undefined);
}

/**
 * Contact record events in, daily counters out, in the transaction that records the events in the
 * inbox. A contact made from a lead is counted from its `lead.attributed`: its `contact.created` is
 * acknowledged without a transaction.
 */
@Injectable()
export class ContactCountersHandler {
  constructor(private readonly counters: ContactCountersService) {}

  @ConsumesEvents(EventTypes.contactCreated, { wanted: (_handler, events) => Promise.resolve(countedFromContactCreated(events)) })
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
