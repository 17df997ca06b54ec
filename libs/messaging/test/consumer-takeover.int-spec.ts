import {
  eventConsumerName,
  EventTypes,
  fullMessagesConsumerName,
  type LeadIngestedData,
  NatsNamespace,
  Streams,
} from '@leadflow/contracts';
import {
  createTestDatabase,
  deleteNamespaceStreams,
  type RunningProcess,
  type TestDatabase,
  testNatsUrl,
  uniqueNamespace,
  waitFor,
} from '@leadflow/testing';
import { AckPolicy, DeliverPolicy } from 'nats';
import { lead, Producer, startConsumer } from './producer';

/**
 * An app upgraded from one durable consumer per stream to one per event type, or from a
 * whole-message durable to a headers-only one for a type it reads by workspace: its new consumer
 * starts where the old one had acknowledged everything, and the old one is removed.
 */
describe('taking over from the durable of an earlier release', () => {
  const namespace = uniqueNamespace();
  const ns = new NatsNamespace(namespace);
  const stream = ns.stream(Streams.ingestion.name);
  const legacy = ns.durable('contacts');
  let db: TestDatabase;
  let producer: Producer;
  let consumer: RunningProcess | undefined;

  beforeAll(async () => {
    db = await createTestDatabase('takeover');
    producer = await Producer.start(db.url, testNatsUrl(), namespace);
  });

  afterAll(async () => {
    consumer?.kill('SIGKILL');
    await producer?.stop();
    await deleteNamespaceStreams(namespace);
    await db?.drop();
  });

  it('applies only what the old durable had not acknowledged, then removes it', async () => {
    // Five events, each in a message of its own.
    const events: string[] = [];
    for (let i = 0; i < 5; i += 1) {
      events.push(await producer.commit({ takeover: i }));
      await waitFor(async () => (await db.query(`SELECT 1 FROM producer.outbox`)).length === 0, { what: `event ${i} published` });
    }
    // The earlier release's consumer acknowledged the first three.
    await producer.nats.manager.consumers.add(stream, { durable_name: legacy, ack_policy: AckPolicy.Explicit });
    const old = await producer.nats.jetstream.consumers.get(stream, legacy);
    for (let i = 0; i < 3; i += 1) {
      const message = await old.next({ expires: 2000 });
      expect(message?.info.streamSequence).toBeDefined();
      expect(await message?.ackAck()).toBe(true);
    }

    consumer = await startConsumer({ databaseUrl: db.url, natsUrl: testNatsUrl(), namespace });
    const effects = async () =>
      (await db.query<{ event_id: string }>(`SELECT event_id FROM consumer.effects WHERE event_id = ANY($1::uuid[])`, [events])).map(
        (row) => row.event_id,
      );
    await waitFor(async () => (await effects()).length >= 2, { what: 'the unacknowledged events applied' });
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect((await effects()).sort()).toEqual(events.slice(3).sort());

    const successor = await producer.nats.manager.consumers.info(
      stream,
      ns.durable(eventConsumerName('contacts', EventTypes.leadIngested)),
    );
    expect(successor.config.filter_subject).toBe(ns.subject(EventTypes.leadIngested));
    await expect(producer.nats.manager.consumers.info(stream, legacy)).rejects.toThrow(/not found/i);
  });

  it('reads a type by workspace through a headers-only durable, fetching only the bodies of wanted messages', async () => {
    consumer?.kill('SIGKILL');
    await consumer?.exited;
    const whole = ns.durable(fullMessagesConsumerName('gateway', EventTypes.leadIngested));
    const headersOnly = ns.durable(eventConsumerName('gateway', EventTypes.leadIngested));
    expect(headersOnly).not.toBe(whole);
    const published = () => waitFor(async () => (await db.query(`SELECT 1 FROM producer.outbox`)).length === 0, { what: 'published' });
    // The earlier release's whole-message durable, from the next message on; it acknowledged the first two of four.
    await producer.nats.manager.consumers.add(stream, {
      durable_name: whole,
      ack_policy: AckPolicy.Explicit,
      filter_subject: ns.subject(EventTypes.leadIngested),
      deliver_policy: DeliverPolicy.StartSequence,
      opt_start_seq: (await producer.nats.manager.streams.info(stream)).state.last_seq + 1,
    });
    const events: string[] = [];
    for (let i = 0; i < 4; i += 1) {
      events.push(await producer.commit({ byWorkspace: i }));
      await published();
    }
    const old = await producer.nats.jetstream.consumers.get(stream, whole);
    for (let i = 0; i < 2; i += 1) expect(await (await old.next({ expires: 2000 }))?.ackAck()).toBe(true);
    // A message of a workspace the handler wants nothing from, one of its events breaking its
    // contract: never fetched, so not even that one becomes a dead letter.
    const quiet = await producer.dataSource.transaction(async (manager) =>
      (
        await producer.outbox.addMany(manager, [
          { type: EventTypes.leadIngested, workspaceId: 'quiet', data: lead() },
          {
            type: EventTypes.leadIngested,
            workspaceId: 'quiet',
            data: { ...lead(), receivedAt: 'yesterday' } as unknown as LeadIngestedData,
          },
        ])
      ).map((envelope) => envelope.id),
    );
    await published();

    consumer = await startConsumer({ databaseUrl: db.url, natsUrl: testNatsUrl(), namespace, env: { CONSUMER_SERVICE: 'gateway' } });
    const applied = async () =>
      (
        await db.query<{ event_id: string; n: string }>(
          `SELECT event_id, data->>'byWorkspace' AS n FROM consumer.effects WHERE event_id = ANY($1::uuid[]) ORDER BY n`,
          [[...events, ...quiet]],
        )
      ).map((row) => [row.event_id, row.n]);
    await waitFor(async () => (await applied()).length >= 2, { what: 'the events the old durable had not acknowledged' });
    const successor = () => producer.nats.manager.consumers.info(stream, headersOnly);
    await waitFor(async () => (await successor()).num_pending === 0 && (await successor()).num_ack_pending === 0, {
      what: 'every message acknowledged',
    });
    // Applied with their whole data, which only the stream could give: the durable delivers headers only.
    expect(await applied()).toEqual([
      [events[2], '2'],
      [events[3], '3'],
    ]);
    expect((await successor()).config.headers_only).toBe(true);
    expect(await db.query(`SELECT 1 FROM consumer.dead_letters WHERE event_id = ANY($1::uuid[])`, [quiet])).toHaveLength(0);
    await expect(producer.nats.manager.consumers.info(stream, whole)).rejects.toThrow(/not found/i);
  });
});
