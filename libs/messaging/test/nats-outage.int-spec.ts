import { eventConsumerName, EventTypes, NatsNamespace, Streams } from '@leadflow/contracts';
import {
  createTestDatabase,
  type PrivateNats,
  type RunningProcess,
  startPrivateNats,
  type TestDatabase,
  uniqueNamespace,
  waitFor,
} from '@leadflow/testing';
import { Producer, startConsumer } from './producer';

describe('outbox while NATS is down', () => {
  const namespace = uniqueNamespace();
  const ns = new NatsNamespace(namespace);
  let nats: PrivateNats;
  let db: TestDatabase;
  let producer: Producer;
  let consumer: RunningProcess;

  beforeAll(async () => {
    nats = await startPrivateNats();
    db = await createTestDatabase('outage');
    producer = await Producer.start(db.url, nats.url, namespace);
    consumer = await startConsumer({ databaseUrl: db.url, natsUrl: nats.url, namespace });
  });

  afterAll(async () => {
    consumer?.kill('SIGKILL');
    await producer?.stop();
    await nats?.dispose();
    await db?.drop();
  });

  it('keeps events committed while NATS is down and delivers each exactly once when it returns', async () => {
    const before = await producer.commit({ phase: 'before' });
    await waitFor(async () => (await db.query(`SELECT 1 FROM consumer.effects WHERE event_id = $1`, [before])).length === 1, {
      what: 'the first event',
    });

    await nats.stop();
    const during: string[] = [];
    for (let i = 0; i < 5; i += 1) during.push(await producer.commit({ phase: 'during', i }));
    // The commits succeeded without NATS; the events wait in the outbox.
    await new Promise((resolve) => setTimeout(resolve, 1500));
    const pending = await db.query<{ id: string }>(`SELECT id FROM producer.outbox WHERE published_at IS NULL`);
    expect(pending.map((row) => row.id).sort()).toEqual([...during].sort());

    await nats.start();
    await waitFor(async () => (await db.query(`SELECT 1 FROM producer.outbox WHERE published_at IS NULL`)).length === 0, {
      what: 'the outbox to drain',
      timeoutMs: 30000,
    });
    await waitFor(async () => (await db.query(`SELECT 1 FROM consumer.effects WHERE data->>'phase' = 'during'`)).length === 5, {
      what: 'the five events to take effect',
      timeoutMs: 30000,
    });
    await waitFor(
      async () => {
        const info = await producer.nats.manager.consumers.info(
          ns.stream(Streams.ingestion.name),
          ns.durable(eventConsumerName('contacts', EventTypes.leadIngested)),
        );
        return info.num_pending === 0 && info.num_ack_pending === 0;
      },
      { what: 'every event acked', timeoutMs: 20000 },
    );
    const counts = await db.query<{ event_id: string; n: string }>(
      `SELECT event_id, count(*) AS n FROM consumer.effects GROUP BY event_id`,
    );
    expect(counts).toHaveLength(6);
    expect(counts.every((row) => Number(row.n) === 1)).toBe(true);
  });
});
