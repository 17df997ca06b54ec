import { eventConsumerName, EventTypes, type LeadIngestedData, NatsNamespace, Streams } from '@leadflow/contracts';
import {
  createTestDatabase,
  deleteNamespaceStreams,
  type RunningProcess,
  type TestDatabase,
  testNatsUrl,
  uniqueNamespace,
  waitFor,
} from '@leadflow/testing';
import { createLogger } from '@leadflow/logging';
import { messageBody, messageId, OutboxRelay, type OutgoingMessage, packMessages } from '../src';
import type { PendingOutboxRow } from '../src/outbox/outbox.repository';
import { lead, Producer, startConsumer as startConsumerFixture } from './producer';

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
  /** How many times each of these events took effect, in their order. */
  const effectsOfAll = async (eventIds: string[]) => {
    const rows = await db.query<{ event_id: string; n: string }>(
      `SELECT event_id, count(*) AS n FROM consumer.effects WHERE event_id = ANY($1::uuid[]) GROUP BY event_id`,
      [eventIds],
    );
    const counts = new Map(rows.map((row) => [row.event_id, Number(row.n)]));
    return eventIds.map((id) => counts.get(id) ?? 0);
  };
  const consumerInfo = () =>
    producer.nats.manager.consumers.info(
      ns.stream(Streams.ingestion.name),
      ns.durable(eventConsumerName('contacts', EventTypes.leadIngested)),
    );

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

  it('subscribes the consumer to the event types it handles only', async () => {
    const info = await consumerInfo();
    // The fixture handles lead.ingested; activity.received shares its stream and is never delivered.
    expect(info.config.filter_subject).toBe(ns.subject('lead.ingested'));
    const before = info.delivered.stream_seq;
    await producer.nats.jetstream.publish(ns.subject('activity.received'), '{}');
    const marker = await producer.commit({ afterActivity: true });
    await waitFor(async () => (await effectsOf(marker)) === 1, { what: 'the event after the activity' });
    const after = await consumerInfo();
    expect(after.delivered.consumer_seq - info.delivered.consumer_seq).toBe(1);
    expect(after.delivered.stream_seq).toBeGreaterThan(before + 1);
  });

  it('acknowledges the events a handler does not want without applying them or recording them in the inbox', async () => {
    const before = await consumerInfo();
    const ids = [
      await producer.commit({ wantedFirst: true }),
      await producer.commit({ unwanted: true }),
      await producer.commit({ wantedLast: true }),
    ];
    await waitFor(async () => (await effectsOf(ids[2] as string)) === 1, { what: 'the wanted event after the unwanted one' });
    await waitFor(async () => (await consumerInfo()).num_ack_pending === 0, { what: 'every message acknowledged' });
    expect(await effectsOfAll(ids)).toEqual([1, 0, 1]);
    const inbox = await db.query<{ event_id: string }>(`SELECT event_id FROM consumer.inbox WHERE event_id = ANY($1::uuid[])`, [ids]);
    expect(inbox.map((row) => row.event_id).sort()).toEqual([ids[0], ids[2]].sort());
    const after = await consumerInfo();
    expect(after.ack_floor.stream_seq).toBeGreaterThanOrEqual(after.delivered.stream_seq);
    expect(after.delivered.stream_seq).toBeGreaterThan(before.delivered.stream_seq);
    expect(after.num_pending).toBe(0);
  });

  it('acknowledges unread a message whose Lf-Workspaces header names only workspaces the handler wants nothing from', async () => {
    const stream = ns.stream(Streams.ingestion.name);
    const firstSeq = (await producer.nats.manager.streams.info(stream)).state.last_seq + 1;
    const malformed: Record<string, unknown> = { ...lead(), receivedAt: 'yesterday' };
    const commitIn = (events: Array<{ workspaceId: string; data: Record<string, unknown> }>) =>
      producer.dataSource.transaction(async (manager) =>
        (
          await producer.outbox.addMany(
            manager,
            events.map(({ workspaceId, data }) => ({
              type: EventTypes.leadIngested,
              workspaceId,
              data: data as unknown as LeadIngestedData,
            })),
          )
        ).map((envelope) => envelope.id),
      );
    // The quiet workspace's events, one of them breaking its contract: never read, so not even
    // the broken one becomes a dead letter.
    const quiet = await commitIn([
      { workspaceId: 'quiet', data: { ...lead(), quiet: 1 } },
      { workspaceId: 'quiet', data: malformed },
    ]);
    await waitFor(async () => (await consumerInfo()).num_pending === 0 && (await consumerInfo()).num_ack_pending === 0, {
      what: 'the quiet message acknowledged',
    });
    // A message naming a wanted workspace too is read; the handler's `wanted` still leaves the
    // quiet event out.
    const mixed = await commitIn([
      { workspaceId: 'quiet', data: { ...lead(), quiet: 2 } },
      { workspaceId: 'default', data: { ...lead(), loud: 1 } },
    ]);
    await waitFor(async () => (await effectsOf(mixed[1] as string)) === 1, { what: 'the wanted event beside a quiet one' });
    await waitFor(async () => (await consumerInfo()).num_pending === 0 && (await consumerInfo()).num_ack_pending === 0, {
      what: 'every message acknowledged',
    });

    const headersSeen: string[] = [];
    for (let seq = firstSeq; seq <= (await producer.nats.manager.streams.info(stream)).state.last_seq; seq += 1) {
      const message = await producer.nats.manager.streams.getMessage(stream, { seq });
      headersSeen.push(message.header.get('Lf-Workspaces'));
    }
    expect(headersSeen).toContain('quiet');
    expect(headersSeen.some((value) => ['quiet,default', 'default,quiet'].includes(value))).toBe(true);
    expect(await effectsOfAll([...quiet, ...mixed])).toEqual([0, 0, 0, 1]);
    expect(await db.query(`SELECT 1 FROM consumer.dead_letters WHERE event_id = ANY($1::uuid[])`, [quiet])).toHaveLength(0);
    const inbox = await db.query<{ event_id: string }>(`SELECT event_id FROM consumer.inbox WHERE event_id = ANY($1::uuid[])`, [
      [...quiet, ...mixed],
    ]);
    expect(inbox.map((row) => row.event_id)).toEqual([mixed[1]]);
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

  it('keeps no inbox for an idempotent handler, which is given a redelivered event again and a replay under a new id, and applies each lead once', async () => {
    consumer?.kill('SIGTERM');
    await consumer?.exited;
    consumer = await startConsumer({ IDEMPOTENT: '1', KILL_AFTER_COMMIT: '1' });
    const handledOf = async (eventId: string) =>
      Number((await db.query<{ n: string }>(`SELECT count(*) AS n FROM consumer.handled WHERE event_id = $1`, [eventId]))[0]?.n);

    const first = await producer.commit({ leadKey: 'idempotent-lead' });
    expect(await consumer.exited).toEqual({ code: null, signal: 'SIGKILL' });
    expect([await handledOf(first), await effectsOf(first)]).toEqual([1, 1]);

    consumer = await startConsumer({ IDEMPOTENT: '1' });
    await waitFor(async () => (await handledOf(first)) === 2, { what: 'the unacknowledged event delivered again', timeoutMs: 20000 });
    const replay = await producer.commit({ leadKey: 'idempotent-lead' });
    const other = await producer.commit({ leadKey: 'another-lead' });
    await waitFor(async () => (await effectsOf(other)) === 1, { what: 'the next lead applied' });
    await waitFor(async () => (await consumerInfo()).num_ack_pending === 0 && (await consumerInfo()).num_pending === 0, {
      what: 'every message acked',
    });
    expect([await handledOf(first), await effectsOf(first)]).toEqual([2, 1]);
    expect([await handledOf(replay), await effectsOf(replay)]).toEqual([1, 0]);
    expect(await db.query(`SELECT 1 FROM consumer.inbox WHERE event_id = ANY($1::uuid[])`, [[first, replay, other]])).toHaveLength(0);

    consumer.kill('SIGTERM');
    await consumer.exited;
    consumer = await startConsumer();
  });

  it('renews within a few seconds, with a warning, a pull request the server never answers', async () => {
    // The consumer's first pull request is its only one: while the server does not hold it, nothing
    // is delivered, whatever the stream holds.
    consumer?.kill('SIGTERM');
    await consumer?.exited;
    consumer = await startConsumer({ LOSE_PULL_REQUESTS: '1' });
    await consumer.waitForOutput('pull request lost on its way');

    const committedAt = Date.now();
    const eventId = await producer.commit({ afterLostPullRequest: true });
    await waitFor(async () => (await effectsOf(eventId)) === 1, { what: 'the event to take effect', timeoutMs: 20000, intervalMs: 50 });
    const tookMs = Date.now() - committedAt;
    process.stdout.write(`lost pull request: the event took effect ${tookMs} ms after its commit\n`);

    // Two missed heartbeats of 1 s each, checked every second: about 3 s after the last sign of the
    // request, and a little more on a busy machine. With heartbeats 5 s apart it took 10 s; a pull
    // request's own lifetime is 30 s. The bound leaves a busy machine room and still tells 3 s from 10.
    expect(tookMs).toBeLessThan(8000);
    expect(consumer.output()).toContain('no heartbeat from the pull request; pulling again');
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

  it('moves an event whose data breaks its contract to the dead letters at once, unseen by its handler, and applies the good ones', async () => {
    const good = await producer.commit({ beforeMalformed: true });
    const data: Record<string, unknown> = { ...lead(), receivedAt: 'yesterday', emailValid: 'yes' };
    delete data.leadId;
    const malformed = await producer.commitUnchecked(data);
    const after = await producer.commit({ afterMalformed: true });

    const [dead] = await waitFor(
      async () => {
        const rows = await db.query<{ deliveries: number; error: string; consumer: string; payload: string }>(
          `SELECT deliveries, error, consumer, payload FROM consumer.dead_letters WHERE event_id = $1`,
          [malformed],
        );
        return rows.length > 0 ? rows : undefined;
      },
      { what: 'the malformed event dead-lettered', timeoutMs: 20000 },
    );
    // One delivery: no retry could make it valid.
    expect(dead).toMatchObject({
      deliveries: 1,
      consumer: 'contacts',
      error:
        'data.leadId must be a non-empty id of at most 128 characters; data.receivedAt must be an ISO 8601 timestamp; data.emailValid must be a boolean value',
    });
    expect((JSON.parse(dead?.payload ?? '{}') as { id?: string }).id).toBe(malformed);
    await waitFor(async () => (await effectsOf(good)) === 1 && (await effectsOf(after)) === 1, { what: 'the good events applied' });
    expect(await effectsOf(malformed)).toBe(0);
    expect(await db.query(`SELECT 1 FROM consumer.inbox WHERE event_id = $1`, [malformed])).toHaveLength(0);
    await waitFor(async () => (await consumerInfo()).num_ack_pending === 0, { what: 'the dead letter to be terminated' });
  });

  it('applies events that arrive together in one transaction, and one failing event fails only itself', async () => {
    consumer?.kill('SIGTERM');
    await consumer?.exited;
    const backlog: string[] = [];
    for (let i = 0; i < 20; i += 1) backlog.push(await producer.commit({ backlog: i }));
    consumer = await startConsumer();
    await waitFor(async () => (await db.query(`SELECT 1 FROM consumer.effects WHERE data ? 'backlog'`)).length >= 20, {
      what: 'the backlog applied',
    });
    // now() is the transaction's start: effects of one transaction share it.
    const transactions = await db.query<{ n: string }>(
      `SELECT count(DISTINCT applied_at) AS n FROM consumer.effects WHERE event_id = ANY($1::uuid[])`,
      [backlog],
    );
    expect(Number(transactions[0]?.n)).toBeLessThan(20);

    consumer.kill('SIGTERM');
    await consumer.exited;
    const good: string[] = [];
    for (let i = 0; i < 5; i += 1) good.push(await producer.commit({ beforeFailure: i }));
    const failing = await producer.commit({ fail: true });
    for (let i = 0; i < 5; i += 1) good.push(await producer.commit({ afterFailure: i }));
    consumer = await startConsumer();
    await waitFor(async () => (await db.query(`SELECT 1 FROM consumer.dead_letters WHERE event_id = $1`, [failing])).length === 1, {
      what: 'the failing event dead-lettered',
      timeoutMs: 20000,
    });
    const applied = await db.query<{ event_id: string; n: string }>(
      `SELECT event_id, count(*) AS n FROM consumer.effects WHERE event_id = ANY($1::uuid[]) GROUP BY event_id`,
      [[...good, failing]],
    );
    expect(applied.map((r) => r.event_id).sort()).toEqual([...good].sort());
    expect(applied.every((r) => Number(r.n) === 1)).toBe(true);
  });

  it('starts a consumer’s batches at most every EVENT_BATCH_INTERVAL_MS under a steady stream, and applies an event reaching an idle consumer at once', async () => {
    consumer?.kill('SIGTERM');
    await consumer?.exited;
    const intervalMs = 1500;
    consumer = await startConsumer({ EVENT_BATCH_INTERVAL_MS: String(intervalMs) });
    // The consumer is idle for longer than the interval once the warm-up event took effect.
    const warmUp = await producer.commit({ warmUp: true });
    await waitFor(async () => (await effectsOf(warmUp)) === 1, { what: 'the warm-up event to take effect' });
    await new Promise((resolve) => setTimeout(resolve, intervalMs + 200));

    // An event every 250 ms for 4 s, each published on its own (the relay is woken by each commit):
    // fewer per interval than the fixture's batch size (8), so no batch goes early for being full.
    const stream: string[] = [];
    const committedAt: number[] = [];
    for (let i = 0; i < 16; i += 1) {
      stream.push(await producer.commit({ stream: i }));
      committedAt.push(Date.now());
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    await waitFor(async () => (await effectsOfAll(stream)).every((n) => n === 1), { what: 'the stream applied' });
    const transactions = await db.query<{ started: Date; events: number }>(
      `SELECT min(applied_at) AS started, count(*)::int AS events FROM consumer.effects WHERE event_id = ANY($1::uuid[])
       GROUP BY transaction_id ORDER BY 1`,
      [stream],
    );
    // The first event reaches a consumer idle for longer than the interval: it goes alone, at once.
    expect(transactions[0]?.events).toBe(1);
    expect((transactions[0]?.started.getTime() ?? 0) - (committedAt[0] ?? 0)).toBeLessThan(intervalMs / 2);
    // The others wait for the interval and go together: a transaction started at most every 1.5 s,
    // so 16 events in 4 s make 4 or 5 transactions, not 16.
    expect(transactions.length).toBeLessThanOrEqual(5);
    const starts = transactions.map((t) => t.started.getTime());
    // Read from the transactions' start times, which trail the consumer's timer by a pool checkout and a
    // BEGIN each: a little slack, far from the 250 ms between events that a batch per event would show.
    for (let i = 1; i < starts.length; i += 1) expect((starts[i] ?? 0) - (starts[i - 1] ?? 0)).toBeGreaterThanOrEqual(intervalMs - 300);
  });

  it('applies each event once when a relay dies between publishing a packed message and committing its batch, and the next relay packs them otherwise', async () => {
    await producer.relay.stop();
    // Three transactions of four events each: three outbox rows of four.
    const ids: string[] = [];
    for (let t = 0; t < 3; t += 1) {
      const written = await producer.dataSource.transaction(async (manager) =>
        producer.outbox.addMany(
          manager,
          Array.from({ length: 4 }, (_, i) => ({
            type: EventTypes.leadIngested,
            workspaceId: 'default',
            data: { ...lead(), crashBatch: t * 4 + i },
          })),
        ),
      );
      ids.push(...written.map((envelope) => envelope.id));
    }
    const rows = await db.query<PendingOutboxRow>(
      `SELECT id, seq::text AS seq, type, workspace_id AS "workspaceId", count, envelopes FROM producer.outbox WHERE id = ANY($1::uuid[]) ORDER BY seq`,
      [ids],
    );
    expect(rows.map((row) => row.count)).toEqual([4, 4, 4]);
    // The dying relay: it published the first two rows, eight events, as one message (twice:
    // JetStream drops the repeat by its Nats-Msg-Id), and its batch never committed: the rows are
    // still pending.
    const [packed] = packMessages(rows.slice(0, 2), 256 * 1024);
    expect(packed?.rows).toHaveLength(2);
    expect(messageId(packed as OutgoingMessage)).toMatch(/^8-/);
    const publishPacked = () =>
      producer.nats.jetstream.publish(ns.subject(EventTypes.leadIngested), messageBody(packed as OutgoingMessage), {
        msgID: messageId(packed as OutgoingMessage),
      });
    const stream = ns.stream(Streams.ingestion.name);
    const before = (await producer.nats.manager.streams.info(stream)).state.messages;
    expect((await publishPacked()).duplicate).toBe(false);
    expect((await publishPacked()).duplicate).toBe(true);
    await waitFor(async () => (await effectsOfAll(ids.slice(0, 8))).every((n) => n === 1), {
      what: 'the packed eight applied',
    });

    // The next relay finds all three rows unpublished and packs them otherwise: one row a message.
    const relay = new OutboxRelay(producer.dataSource, producer.nats.jetstream, ns, createLogger('relay-after-crash', 'error'), {
      pollIntervalMs: 100,
      maxMessageBytes: 1,
    });
    relay.start();
    try {
      await waitFor(async () => (await db.query(`SELECT 1 FROM producer.outbox WHERE published_at IS NULL`)).length === 0, {
        what: 'the outbox published',
      });
      // 1 message of eight + 3 of four: the eight reached the consumer twice, under other message ids.
      expect((await producer.nats.manager.streams.info(stream)).state.messages - before).toBe(4);
      await waitFor(async () => (await consumerInfo()).num_ack_pending === 0 && (await consumerInfo()).num_pending === 0, {
        what: 'every message acked',
      });
      expect(await effectsOfAll(ids)).toEqual(ids.map(() => 1));
      const inbox = await db.query(`SELECT 1 FROM consumer.inbox WHERE consumer = 'contacts' AND event_id = ANY($1::uuid[])`, [ids]);
      expect(inbox).toHaveLength(12);
    } finally {
      await relay.stop();
    }
  });

  it('tries a batch that met a deadlock again whole, not one transaction per event', async () => {
    const ids = await applyBacklog(Array.from({ length: 6 }, (_, i) => (i === 2 ? { deadlockOnce: true } : { besideDeadlock: i })));
    expect(await effectsOfAll(ids)).toEqual([1, 1, 1, 1, 1, 1]);
    // Applied one by one, the batch holding the deadlocked event would give each of its events a transaction.
    expect(await transactionsOf(ids)).toBeLessThan(3);
  });

  it('gives each event a transaction of its own when the handler asks for it, also for events packed in one message', async () => {
    const ids = await applyBacklog(
      Array.from({ length: 6 }, (_, i) => ({ oneByOne: i })),
      { ONE_EVENT_PER_TRANSACTION: '1' },
    );
    expect(await effectsOfAll(ids)).toEqual([1, 1, 1, 1, 1, 1]);
    expect(await transactionsOf(ids)).toBe(6);
  });

  /**
   * Commits events while the consumer is stopped, publishes them with a relay of the test's own
   * (the producer's was stopped by a test before), packed, then starts the consumer with `env` and
   * waits until each took effect. Returns their ids.
   */
  async function applyBacklog(datas: Array<Record<string, unknown>>, env: Record<string, string> = {}): Promise<string[]> {
    consumer?.kill('SIGTERM');
    await consumer?.exited;
    const ids: string[] = [];
    for (const data of datas) ids.push(await producer.commit(data));
    const relay = new OutboxRelay(producer.dataSource, producer.nats.jetstream, ns, createLogger('relay-backlog', 'error'), {
      pollIntervalMs: 100,
    });
    relay.start();
    try {
      await waitFor(async () => (await db.query(`SELECT 1 FROM producer.outbox WHERE id = ANY($1::uuid[])`, [ids])).length === 0, {
        what: 'the backlog published',
      });
    } finally {
      await relay.stop();
    }
    consumer = await startConsumer(env);
    await waitFor(async () => (await effectsOfAll(ids)).every((n) => n > 0), { what: 'the backlog applied' });
    return ids;
  }

  /** In how many transactions these events took effect. */
  async function transactionsOf(eventIds: string[]): Promise<number> {
    const rows = await db.query<{ n: string }>(
      `SELECT count(DISTINCT transaction_id) AS n FROM consumer.effects WHERE event_id = ANY($1::uuid[])`,
      [eventIds],
    );
    return Number(rows[0]?.n);
  }
});
