import { type EventEnvelope, type EventType, NatsNamespace, readMessage, streamOf } from '@leadflow/contracts';
import { connect } from 'nats';

export interface PublishedEventsSource {
  natsUrl: string;
  namespace: string;
  /** A NATS user allowed to read the stream, when the server has users. */
  credentials?: { user: string; pass: string };
}

/**
 * Every event of `type` its stream holds, each once, in publishing order: what the apps have
 * published (an outbox row leaves its table once published). The same event published again (a
 * batch rolled back after JetStream took it, packed otherwise the next time) carries the same id
 * and is counted once; an event written twice would show twice, under two ids.
 */
export async function readPublishedEvents<T extends object = Record<string, unknown>>(
  source: PublishedEventsSource,
  type: EventType,
): Promise<Array<EventEnvelope<T>>> {
  const ns = new NatsNamespace(source.namespace);
  const connection = await connect({ servers: source.natsUrl, ...(source.credentials ?? {}) });
  try {
    // An ordered consumer filtered on the one subject (any server version), read to its end.
    const consumer = await connection.jetstream().consumers.get(ns.stream(streamOf(type).name), { filterSubjects: ns.subject(type) });
    const events = new Map<string, EventEnvelope<T>>();
    for (;;) {
      let taken = 0;
      for await (const message of await consumer.fetch({ max_messages: 500, expires: 1000 })) {
        taken += 1;
        for (const event of readMessage(message.data) as Array<EventEnvelope<T>>) if (!events.has(event.id)) events.set(event.id, event);
      }
      if (taken === 0) return [...events.values()];
    }
  } finally {
    await connection.close();
  }
}
