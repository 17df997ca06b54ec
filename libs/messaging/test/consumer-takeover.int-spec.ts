import { eventConsumerName, EventTypes, Streams } from '@leadflow/contracts';
import { testNatsUrl, waitFor } from '@leadflow/testing';
import { AckPolicy } from 'nats';
import { producerTestbed, startConsumer } from './producer';

/**
 * An app upgraded from one durable consumer per stream to one per event type: its new consumer
 * starts where the old one had acknowledged everything, and the old one is removed.
 */
describe('taking over from the per-stream durable of an earlier release', () => {
  const bed = producerTestbed('takeover');
  const { namespace, ns } = bed;
  const stream = ns.stream(Streams.ingestion.name);
  const legacy = ns.durable('contacts');

  it('applies only what the old durable had not acknowledged, then removes it', async () => {
    // Five events, each in a message of its own.
    const events: string[] = [];
    for (let i = 0; i < 5; i += 1) {
      events.push(await bed.producer.commit({ takeover: i }));
      await waitFor(async () => (await bed.db.query(`SELECT 1 FROM producer.outbox`)).length === 0, { what: `event ${i} published` });
    }
    // The earlier release's consumer acknowledged the first three.
    await bed.producer.nats.manager.consumers.add(stream, { durable_name: legacy, ack_policy: AckPolicy.Explicit });
    const old = await bed.producer.nats.jetstream.consumers.get(stream, legacy);
    for (let i = 0; i < 3; i += 1) {
      const message = await old.next({ expires: 2000 });
      expect(message?.info.streamSequence).toBeDefined();
      expect(await message?.ackAck()).toBe(true);
    }

    bed.consumer = await startConsumer({ databaseUrl: bed.db.url, natsUrl: testNatsUrl(), namespace });
    const effects = async () =>
      (await bed.db.query<{ event_id: string }>(`SELECT event_id FROM consumer.effects WHERE event_id = ANY($1::uuid[])`, [events])).map(
        (row) => row.event_id,
      );
    await waitFor(async () => (await effects()).length >= 2, { what: 'the unacknowledged events applied' });
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect((await effects()).sort()).toEqual(events.slice(3).sort());

    const successor = await bed.producer.nats.manager.consumers.info(
      stream,
      ns.durable(eventConsumerName('contacts', EventTypes.leadIngested)),
    );
    expect(successor.config.filter_subject).toBe(ns.subject(EventTypes.leadIngested));
    await expect(bed.producer.nats.manager.consumers.info(stream, legacy)).rejects.toThrow(/not found/i);
  });
});
