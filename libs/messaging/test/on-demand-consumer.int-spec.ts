import { eventConsumerName, EventTypes, NatsNamespace, Streams } from '@leadflow/contracts';
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
import { Producer, startConsumer as startConsumerFixture } from './producer';

/**
 * A consumer of an on-demand type (`@ConsumesEvents(type, { onDemand })`, here lead.ingested while
 * `consumer.demand` says it is wanted): no durable while nothing wants the type; once something
 * does, one that delivers what was stored after the last check that found nothing wanted.
 */
describe('on-demand consumers', () => {
  const namespace = uniqueNamespace();
  const ns = new NatsNamespace(namespace);
  const stream = ns.stream(Streams.ingestion.name);
  const durable = ns.durable(eventConsumerName('contacts', EventTypes.leadIngested));
  let db: TestDatabase;
  let producer: Producer;
  let consumer: RunningProcess | undefined;

  const startConsumer = () =>
    startConsumerFixture({
      databaseUrl: db.url,
      natsUrl: testNatsUrl(),
      namespace,
      env: { ON_DEMAND: '1', ON_DEMAND_CHECK_MS: '200', IDLE_CONSUMER_MIN_AGE_MS: '0' },
    });
  const setWanted = (wanted: boolean) => db.query(`UPDATE consumer.demand SET wanted = $1`, [wanted]);
  const effectsOf = async (eventIds: string[]) =>
    (await db.query<{ event_id: string }>(`SELECT event_id FROM consumer.effects WHERE event_id = ANY($1::uuid[])`, [eventIds])).map(
      (row) => row.event_id,
    );
  const published = (what: string) =>
    waitFor(async () => (await db.query(`SELECT 1 FROM producer.outbox`)).length === 0, { what: `${what} published` });
  const durableExists = () =>
    producer.nats.manager.consumers.info(stream, durable).then(
      () => true,
      (error: Error) => {
        if (/not found/i.test(error.message)) return false;
        throw error;
      },
    );
  const settle = () => new Promise((resolve) => setTimeout(resolve, 1000));

  beforeAll(async () => {
    db = await createTestDatabase('on_demand');
    producer = await Producer.start(db.url, testNatsUrl(), namespace);
  });

  afterAll(async () => {
    consumer?.kill('SIGKILL');
    await producer?.stop();
    await deleteNamespaceStreams(namespace);
    await db?.drop();
  });

  it('holds no consumer while nothing wants the type, then delivers what is stored after it is wanted', async () => {
    consumer = await startConsumer();
    const before = await producer.commit({ onDemand: 'before' });
    await published('the event stored while nothing wants it');
    await settle();
    expect(await durableExists()).toBe(false);

    await setWanted(true);
    const after = await producer.commit({ onDemand: 'after' });
    await waitFor(async () => (await effectsOf([after])).length === 1, { what: 'the event stored once wanted applied' });
    await settle();
    expect(await effectsOf([before, after])).toEqual([after]);
    expect(await durableExists()).toBe(true);
  });

  it('at start, removes the idle consumer of a type nothing wants; wanted again, skips what was stored meanwhile', async () => {
    consumer?.kill('SIGTERM');
    await consumer?.exited;
    await setWanted(false);
    const meanwhile = await producer.commit({ onDemand: 'meanwhile' });
    await published('the event stored while stopped');
    consumer = await startConsumer();
    await waitFor(async () => !(await durableExists()), { what: 'the idle consumer removed' });

    await setWanted(true);
    const wanted = await producer.commit({ onDemand: 'wanted again' });
    await waitFor(async () => (await effectsOf([wanted])).length === 1, { what: 'the event stored once wanted again applied' });
    await settle();
    expect(await effectsOf([meanwhile, wanted])).toEqual([wanted]);
  });

  it('replaced under it by another replica (from that replica’s check), consumes the replacement: nothing lost, nothing twice', async () => {
    const last = (await producer.nats.manager.streams.info(stream)).state.last_seq;
    await producer.nats.manager.consumers.delete(stream, durable);
    await producer.nats.manager.consumers.add(stream, {
      durable_name: durable,
      ack_policy: AckPolicy.Explicit,
      deliver_policy: DeliverPolicy.StartSequence,
      opt_start_seq: last + 1,
      filter_subject: ns.subject(EventTypes.leadIngested),
    });
    const events = [await producer.commit({ onDemand: 'replaced 1' }), await producer.commit({ onDemand: 'replaced 2' })];
    await waitFor(async () => (await effectsOf(events)).length === 2, { what: 'the events stored after the replacement applied' });
    await settle();
    expect((await effectsOf(events)).sort()).toEqual([...events].sort());
  });
});
