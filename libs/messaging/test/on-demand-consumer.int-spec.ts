import { eventConsumerName, EventTypes, Streams } from '@leadflow/contracts';
import { testNatsUrl, waitFor } from '@leadflow/testing';
import { AckPolicy, DeliverPolicy } from 'nats';
import { producerTestbed, startConsumer as startConsumerFixture } from './producer';

/**
 * A consumer of an on-demand type (`@ConsumesEvents(type, { onDemand })`, here lead.ingested while
 * `consumer.demand` says it is wanted): no durable while nothing wants the type; once something
 * does, one that delivers what was stored after the last check that found nothing wanted.
 */
describe('on-demand consumers', () => {
  const bed = producerTestbed('on_demand');
  const { namespace, ns } = bed;
  const stream = ns.stream(Streams.ingestion.name);
  const durable = ns.durable(eventConsumerName('contacts', EventTypes.leadIngested));

  const startConsumer = () =>
    startConsumerFixture({
      databaseUrl: bed.db.url,
      natsUrl: testNatsUrl(),
      namespace,
      env: { ON_DEMAND: '1', ON_DEMAND_CHECK_MS: '200', IDLE_CONSUMER_MIN_AGE_MS: '0' },
    });
  const setWanted = (wanted: boolean) => bed.db.query(`UPDATE consumer.demand SET wanted = $1`, [wanted]);
  const effectsOf = async (eventIds: string[]) =>
    (await bed.db.query<{ event_id: string }>(`SELECT event_id FROM consumer.effects WHERE event_id = ANY($1::uuid[])`, [eventIds])).map(
      (row) => row.event_id,
    );
  const published = (what: string) =>
    waitFor(async () => (await bed.db.query(`SELECT 1 FROM producer.outbox`)).length === 0, { what: `${what} published` });
  const durableExists = () =>
    bed.producer.nats.manager.consumers.info(stream, durable).then(
      () => true,
      (error: Error) => {
        if (/not found/i.test(error.message)) return false;
        throw error;
      },
    );
  const settle = () => new Promise((resolve) => setTimeout(resolve, 1000));

  it('holds no consumer while nothing wants the type, then delivers what is stored after it is wanted', async () => {
    bed.consumer = await startConsumer();
    const before = await bed.producer.commit({ onDemand: 'before' });
    await published('the event stored while nothing wants it');
    await settle();
    expect(await durableExists()).toBe(false);

    await setWanted(true);
    const after = await bed.producer.commit({ onDemand: 'after' });
    await waitFor(async () => (await effectsOf([after])).length === 1, { what: 'the event stored once wanted applied' });
    await settle();
    expect(await effectsOf([before, after])).toEqual([after]);
    expect(await durableExists()).toBe(true);
  });

  it('at start, removes the idle consumer of a type nothing wants; wanted again, skips what was stored meanwhile', async () => {
    bed.consumer?.kill('SIGTERM');
    await bed.consumer?.exited;
    await setWanted(false);
    const meanwhile = await bed.producer.commit({ onDemand: 'meanwhile' });
    await published('the event stored while stopped');
    bed.consumer = await startConsumer();
    await waitFor(async () => !(await durableExists()), { what: 'the idle consumer removed' });

    await setWanted(true);
    const wanted = await bed.producer.commit({ onDemand: 'wanted again' });
    await waitFor(async () => (await effectsOf([wanted])).length === 1, { what: 'the event stored once wanted again applied' });
    await settle();
    expect(await effectsOf([meanwhile, wanted])).toEqual([wanted]);
  });

  it('replaced under it by another replica (from that replica’s check), consumes the replacement: nothing lost, nothing twice', async () => {
    const last = (await bed.producer.nats.manager.streams.info(stream)).state.last_seq;
    await bed.producer.nats.manager.consumers.delete(stream, durable);
    await bed.producer.nats.manager.consumers.add(stream, {
      durable_name: durable,
      ack_policy: AckPolicy.Explicit,
      deliver_policy: DeliverPolicy.StartSequence,
      opt_start_seq: last + 1,
      filter_subject: ns.subject(EventTypes.leadIngested),
    });
    const events = [await bed.producer.commit({ onDemand: 'replaced 1' }), await bed.producer.commit({ onDemand: 'replaced 2' })];
    await waitFor(async () => (await effectsOf(events)).length === 2, { what: 'the events stored after the replacement applied' });
    await settle();
    expect((await effectsOf(events)).sort()).toEqual([...events].sort());
  });
});
