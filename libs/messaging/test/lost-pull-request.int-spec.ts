import {
  createTestDatabase,
  deleteNamespaceStreams,
  type RunningProcess,
  type TestDatabase,
  testNatsUrl,
  uniqueNamespace,
  waitFor,
} from '@leadflow/testing';
import { Producer, startConsumer } from './producer';

describe('a pull request the server never answers', () => {
  const namespace = uniqueNamespace();
  let db: TestDatabase;
  let producer: Producer;
  let consumer: RunningProcess | undefined;

  beforeAll(async () => {
    db = await createTestDatabase('lostpull');
    producer = await Producer.start(db.url, testNatsUrl(), namespace);
  });

  afterAll(async () => {
    consumer?.kill('SIGKILL');
    await producer?.stop();
    await deleteNamespaceStreams(namespace);
    await db?.drop();
  });

  it('is noticed by its missing heartbeats and renewed within a few seconds, with a warning', async () => {
    // The consumer's first pull request is its only one: while the server does not hold it, nothing
    // is delivered, whatever the stream holds.
    consumer = await startConsumer({ databaseUrl: db.url, natsUrl: testNatsUrl(), namespace, env: { LOSE_PULL_REQUESTS: '1' } });
    await consumer.waitForOutput('pull request lost on its way');

    const committedAt = Date.now();
    const eventId = await producer.commit({ after: 'lost pull request' });
    await waitFor(async () => (await db.query(`SELECT 1 FROM consumer.effects WHERE event_id = $1`, [eventId])).length === 1, {
      what: 'the event to take effect',
      timeoutMs: 20000,
      intervalMs: 50,
    });
    const tookMs = Date.now() - committedAt;
    process.stdout.write(`lost pull request: the event took effect ${tookMs} ms after its commit\n`);

    // Two missed heartbeats of 1 s each, checked every second: about 3 s after the last sign of the
    // request, and a little more on a busy machine. With heartbeats 5 s apart it took 10 s; a pull
    // request's own lifetime is 30 s.
    expect(tookMs).toBeLessThan(5000);
    expect(consumer.output()).toContain('no heartbeat from the pull request; pulling again');
  });
});
