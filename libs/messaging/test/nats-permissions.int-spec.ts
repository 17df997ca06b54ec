import { EventTypes, eventConsumerName, NatsNamespace, RpcSubjects, type ServiceName, Streams } from '@leadflow/contracts';
import { type PrivateNats, startPrivateNats, uniqueNamespace, waitFor } from '@leadflow/testing';
import { connect, type NatsConnection } from 'nats';
import { ensureStream, natsClientOptions } from '../src';

/**
 * Each app connects to NATS as its own user: these tests run a server with the users and
 * permissions a deployment gets, and try what an app must and must not be able to do.
 */
describe('NATS permissions per app', () => {
  const namespace = uniqueNamespace();
  const ns = new NatsNamespace(namespace);
  let nats: PrivateNats;
  const open: NatsConnection[] = [];
  let admin: NatsConnection;

  async function connectAs(service: ServiceName): Promise<NatsConnection> {
    const credentials = nats.credentials(service);
    const connection = await connect({
      ...natsClientOptions(
        { natsUrl: nats.url, namespace, service, natsUser: credentials?.user, natsPassword: credentials?.pass },
        `test-${service}`,
      ),
      maxReconnectAttempts: 0,
    });
    open.push(connection);
    return connection;
  }

  /** The server's verdict on a subscription: the error it closed it with, or 'allowed'. */
  async function trySubscribe(connection: NatsConnection, subject: string, queue?: string): Promise<string> {
    let refused: string | undefined;
    const subscription = connection.subscribe(subject, {
      queue,
      callback: (error) => {
        if (error) refused = error.message;
      },
    });
    await connection.flush();
    // The server answers a refused subscription with -ERR right after the flush's PONG at the latest.
    await new Promise((resolve) => setTimeout(resolve, 100));
    subscription.unsubscribe();
    return refused ?? 'allowed';
  }

  /** Publishes as `connection` while the test's admin user listens: 'delivered' or 'refused'. */
  async function tryPublish(connection: NatsConnection, subject: string): Promise<'delivered' | 'refused'> {
    let delivered = false;
    const listener = admin.subscribe(subject, { callback: () => (delivered = true) });
    await admin.flush();
    connection.publish(subject, 'x');
    await connection.flush();
    await admin.flush();
    listener.unsubscribe();
    return delivered ? 'delivered' : 'refused';
  }

  beforeAll(async () => {
    nats = await startPrivateNats({ secured: { namespace } });
    admin = await connect({ servers: nats.url, ...nats.admin });
    open.push(admin);
  });

  afterAll(async () => {
    await Promise.all(open.map((connection) => connection.close().catch(() => undefined)));
    await nats?.dispose();
  });

  it('refuses a connection without credentials or with another app’s password', async () => {
    await expect(connect({ servers: nats.url, maxReconnectAttempts: 0 })).rejects.toThrow(/authorization/i);
    const contacts = nats.credentials('contacts');
    await expect(connect({ servers: nats.url, user: 'ingestion', pass: contacts?.pass, maxReconnectAttempts: 0 })).rejects.toThrow(
      /authorization/i,
    );
  });

  it('lets an app subscribe to its own request subjects and to no other app’s', async () => {
    const ingestion = await connectAs('ingestion');
    expect(await trySubscribe(ingestion, ns.subject(RpcSubjects.ingestion.leadGet), ns.queue('ingestion'))).toBe('allowed');
    for (const subject of [
      RpcSubjects.contacts.contactGet,
      RpcSubjects.scoring.scoreGet,
      RpcSubjects.metrics.leadsDaily,
      'gateway.system.status',
    ]) {
      expect(await trySubscribe(ingestion, ns.subject(subject), ns.queue('ingestion'))).toMatch(/permissions violation for subscription/i);
    }
    // Nor everything at once, nor another app's replies.
    expect(await trySubscribe(ingestion, '>')).toMatch(/permissions violation/i);
    expect(await trySubscribe(ingestion, `_INBOX.${ns.subject('gateway')}.>`)).toMatch(/permissions violation/i);
  });

  it('lets the gateway call the other apps and get their answers; the other apps call no one', async () => {
    const contacts = await connectAs('contacts');
    const responder = contacts.subscribe(ns.subject(RpcSubjects.contacts.contactGet), {
      queue: ns.queue('contacts'),
      callback: (_error, message) => message.respond(new TextEncoder().encode('pong')),
    });
    await contacts.flush();
    const gateway = await connectAs('gateway');
    const reply = await gateway.request(ns.subject(RpcSubjects.contacts.contactGet), 'ping', { timeout: 2000 });
    expect(new TextDecoder().decode(reply.data)).toBe('pong');
    responder.unsubscribe();

    expect(await tryPublish(gateway, ns.subject(RpcSubjects.metrics.leadsDaily))).toBe('delivered');
    const scoring = await connectAs('scoring');
    expect(await tryPublish(scoring, ns.subject(RpcSubjects.contacts.contactGet))).toBe('refused');
  });

  it('lets an app publish its own events and no other app’s', async () => {
    const ingestion = await connectAs('ingestion');
    expect(await tryPublish(ingestion, ns.subject(EventTypes.leadIngested))).toBe('delivered');
    expect(await tryPublish(ingestion, ns.subject(EventTypes.contactCreated))).toBe('refused');
    expect(await tryPublish(ingestion, ns.subject(EventTypes.scoreChanged))).toBe('refused');
  });

  it('lets a consumer read the event types it consumes through its own durable for each only', async () => {
    const ingestion = await connectAs('ingestion');
    const stream = await ensureStream(await ingestion.jetstreamManager(), ns, Streams.ingestion);
    await ingestion.jetstream().publish(ns.subject(EventTypes.leadIngested), 'event');

    const contacts = await connectAs('contacts');
    const manager = await contacts.jetstreamManager();
    const durable = ns.durable(eventConsumerName('contacts', EventTypes.leadIngested));
    await manager.consumers.add(stream, {
      durable_name: durable,
      ack_policy: 'explicit' as never,
      filter_subject: ns.subject(EventTypes.leadIngested),
    });
    const consumer = await contacts.jetstream().consumers.get(stream, durable);
    const message = await consumer.next({ expires: 2000 });
    expect(message && new TextDecoder().decode(message.data)).toBe('event');
    expect(await message?.ackAck()).toBe(true);

    // Not under another app's durable name, nor for a type it does not consume, nor a stream it does not consume.
    await expect(
      manager.consumers.add(stream, {
        durable_name: ns.durable(eventConsumerName('metrics', EventTypes.leadIngested)),
        ack_policy: 'explicit' as never,
      }),
    ).rejects.toThrow();
    const scoring = await connectAs('scoring');
    // Of scoring's stream contacts takes stage.changed only: a durable for score.changed is refused.
    const scoringStream = await ensureStream(await scoring.jetstreamManager(), ns, Streams.scoring);
    await expect(
      manager.consumers.add(scoringStream, {
        durable_name: ns.durable(eventConsumerName('contacts', EventTypes.scoreChanged)),
        ack_policy: 'explicit' as never,
        filter_subject: ns.subject(EventTypes.scoreChanged),
      }),
    ).rejects.toThrow();
    await expect((await scoring.jetstreamManager()).streams.info(stream)).rejects.toThrow();
    await waitFor(async () => !contacts.isClosed(), { what: 'the contacts connection to stay open' });
  });
  it('lets the owner add the subjects of newer event types to a stream an earlier release made, and no other app', async () => {
    const name = ns.stream(Streams.contacts.name);
    const all = Streams.contacts.subjects.map((subject) => ns.subject(subject));
    // The stream as a release before the two newest event types made it.
    await (await admin.jetstreamManager()).streams.add({ name, subjects: all.slice(0, -2) });

    const scoring = await connectAs('scoring');
    // A consumer of the stream leaves it as it is, and may not change it.
    await ensureStream(await scoring.jetstreamManager(), ns, Streams.contacts);
    await expect(ensureStream(await scoring.jetstreamManager(), ns, Streams.contacts, 1, true)).rejects.toThrow();
    expect((await (await admin.jetstreamManager()).streams.info(name)).config.subjects).toEqual(all.slice(0, -2));

    const contacts = await connectAs('contacts');
    await ensureStream(await contacts.jetstreamManager(), ns, Streams.contacts, 1, true);
    expect([...((await (await admin.jetstreamManager()).streams.info(name)).config.subjects ?? [])].sort()).toEqual([...all].sort());
  });
});
