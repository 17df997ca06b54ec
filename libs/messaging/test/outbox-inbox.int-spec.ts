import { Streams } from '@leadflow/contracts';
import { NatsNamespace } from '../src';
import {
  createTestDatabase,
  deleteNamespaceStreams,
  type RunningProcess,
  type TestDatabase,
  testNatsUrl,
  uniqueNamespace,
  waitFor,
} from '@leadflow/testing';
import { Producer, startConsumer as startConsumerFixture } from './producer';

describe('outbox → JetStream → inbox', () => {
  const namespace = uniqueNamespace();
  const ns = new NatsNamespace(namespace);
  let db: TestDatabase;
  let producer: Producer;
  let consumer: RunningProcess | undefined;

  const startConsumer = (env: Record<string, string> = {}) =>
    startConsumerFixture({ databaseUrl: db.url, natsUrl: testNatsUrl(), namespace, env });
  const effectsOf = async (eventId: string) =>
    Number((await db.query<{ n: string }>(`SELECT count(*) AS n FROM consumer.effects WHERE event_id = $1`, [eventId]))[0]?.n);
  const consumerInfo = () => producer.nats.manager.consumers.info(ns.stream(Streams.ingestion.name), ns.durable('contacts'));

  beforeAll(async () => {
    db = await createTestDatabase('messaging');
    producer = await Producer.start(db.url, testNatsUrl(), namespace);
    consumer = await startConsumer();
  });

  afterAll(async () => {
    consumer?.kill('SIGKILL');
    await producer?.stop();
    await deleteNamespaceStreams(namespace);
    await db?.drop();
  });

  it('delivers every committed event exactly once and never one whose transaction rolled back', async () => {
    const committed: string[] = [];
    for (let i = 0; i < 40; i += 1) {
      committed.push(await producer.commit({ n: i }));
      if (i % 8 === 0) await producer.rollBack({ rolledBack: true, n: i });
    }

    await waitFor(async () => (await db.query(`SELECT 1 FROM consumer.effects`)).length >= 40, { what: '40 effects' });
    // Give a duplicate the chance to show up before counting.
    await new Promise((resolve) => setTimeout(resolve, 500));
    const rows = await db.query<{ event_id: string; n: string }>(`SELECT event_id, count(*) AS n FROM consumer.effects GROUP BY event_id`);
    expect(rows.map((r) => r.event_id).sort()).toEqual([...committed].sort());
    expect(rows.every((r) => Number(r.n) === 1)).toBe(true);
    expect(await db.query(`SELECT 1 FROM consumer.effects WHERE data ? 'rolledBack'`)).toHaveLength(0);
    expect(await db.query(`SELECT 1 FROM producer.outbox WHERE published_at IS NULL`)).toHaveLength(0);
    expect(await db.query(`SELECT 1 FROM consumer.inbox WHERE consumer = 'contacts'`)).toHaveLength(40);
  });

  it('applies an event once when the consumer is killed after its effect committed but before the ack', async () => {
    consumer?.kill('SIGTERM');
    expect(await consumer?.exited).toEqual({ code: 0, signal: null });
    consumer = await startConsumer({ KILL_AFTER_COMMIT: '1' });

    const eventId = await producer.commit({ killed: true });
    expect(await consumer.exited).toEqual({ code: null, signal: 'SIGKILL' });
    expect(await effectsOf(eventId)).toBe(1);
    expect((await consumerInfo()).num_ack_pending).toBe(1);

    consumer = await startConsumer();
    await waitFor(
      async () => {
        const info = await consumerInfo();
        return info.num_ack_pending === 0 && info.num_pending === 0;
      },
      { what: 'the redelivered event to be acked', timeoutMs: 20000 },
    );
    expect(await effectsOf(eventId)).toBe(1);
    expect(await db.query(`SELECT 1 FROM consumer.inbox WHERE event_id = $1`, [eventId])).toHaveLength(1);
  });

  it('records an event whose handler keeps failing as a dead letter after the last delivery, with no effect', async () => {
    const eventId = await producer.commit({ fail: true });
    const [dead] = await waitFor(
      async () => {
        const rows = await db.query<{ deliveries: number; error: string; consumer: string }>(
          `SELECT deliveries, error, consumer FROM consumer.dead_letters WHERE event_id = $1`,
          [eventId],
        );
        return rows.length > 0 ? rows : undefined;
      },
      { what: 'a dead letter', timeoutMs: 20000 },
    );
    expect(dead).toMatchObject({ deliveries: 2, consumer: 'contacts', error: 'the event asked its handler to fail' });
    expect(await effectsOf(eventId)).toBe(0);
    await waitFor(async () => (await consumerInfo()).num_ack_pending === 0, { what: 'the dead letter to be terminated' });
  });
});
