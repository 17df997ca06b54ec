import { type EventEnvelope, EventTypes, type LeadIngestedData } from '@leadflow/contracts';
import { currentRequestId } from '@leadflow/logging';
import type { EntityManager } from 'typeorm';
import { CONSUMES_EVENTS, ConsumesEvents, type EventBatch, forEachEvent, ON_DEMAND } from './consumes-events.decorator';

class MergeCounter {
  @ConsumesEvents(EventTypes.contactMerged)
  async onContactsMerged(events: EventBatch<typeof EventTypes.contactMerged>, _manager: EntityManager): Promise<void> {
    // The data is typed by the event type: survivorId is known to the compiler.
    events.forEach((event) => event.data.survivorId);
  }
}

describe('ConsumesEvents', () => {
  it('marks the method with the event type it consumes', () => {
    expect(Reflect.getMetadata(CONSUMES_EVENTS, MergeCounter.prototype.onContactsMerged)).toBe('contact.merged');
  });

  it('keeps an on-demand check with the handler, to be asked of its provider', async () => {
    class Endpoints {
      subscribed = new Set<string>(['contact.merged']);

      @ConsumesEvents(EventTypes.contactMerged, { onDemand: (handler: Endpoints, type) => Promise.resolve(handler.subscribed.has(type)) })
      async apply(events: EventBatch<typeof EventTypes.contactMerged>, _manager: EntityManager): Promise<void> {
        events.forEach((event) => this.subscribed.add(event.type));
      }
    }
    const check = Reflect.getMetadata(ON_DEMAND, Endpoints.prototype.apply) as (handler: Endpoints, type: string) => Promise<boolean>;
    const endpoints = new Endpoints();
    expect(await check(endpoints, 'contact.merged')).toBe(true);
    endpoints.subscribed.clear();
    expect(await check(endpoints, 'contact.merged')).toBe(false);
    expect(Reflect.getMetadata(ON_DEMAND, MergeCounter.prototype.onContactsMerged)).toBeUndefined();
  });

  it('accepts only a method that takes a batch of its type', () => {
    // Checked by the compiler (tsc type-checks the specs): each class below must fail to compile.
    class WrongType {
      // @ts-expect-error a batch of lead.ingested is not a batch of contact.merged
      @ConsumesEvents(EventTypes.contactMerged)
      async apply(events: EventBatch<typeof EventTypes.leadIngested>, _manager: EntityManager): Promise<void> {
        expect(events).toBeDefined();
      }
    }
    class OneEvent {
      // @ts-expect-error a handler takes a batch, not one event
      @ConsumesEvents(EventTypes.leadIngested)
      async apply(event: EventEnvelope<LeadIngestedData>, _manager: EntityManager): Promise<void> {
        expect(event).toBeDefined();
      }
    }
    expect([WrongType, OneEvent]).toHaveLength(2);
  });
});

describe('forEachEvent', () => {
  it('applies the events in order, each under its own correlation id', async () => {
    const events = ['req-1', 'req-2', 'req-3'].map((correlationId, i) => ({ id: String(i), correlationId }) as EventEnvelope<object>);
    const seen: Array<[string, string | undefined]> = [];
    await forEachEvent(events, async (event) => {
      await new Promise((resolve) => setImmediate(resolve));
      seen.push([event.id, currentRequestId()]);
    });
    expect(seen).toEqual([
      ['0', 'req-1'],
      ['1', 'req-2'],
      ['2', 'req-3'],
    ]);
  });
});
