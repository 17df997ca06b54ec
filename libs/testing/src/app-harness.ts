import { type EventEnvelope, type EventType, type ServiceName, streamOf, type StreamDefinition } from '@leadflow/contracts';
import { findFreePort } from '@leadflow/dev-services';
import { connect, headers, JSONCodec, type JetStreamClient, type NatsConnection } from 'nats';
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { v7 as uuidv7 } from 'uuid';
import { startProcess, type RunningProcess } from './child-process';
import { deleteNamespaceStreams } from './namespace-streams';
import { createTestDatabase, type TestDatabase } from './test-database';
import { testNatsUrl, uniqueNamespace } from './test-run';
import { waitFor } from './wait-for';

const root = path.resolve(__dirname, '..', '..', '..');
const codec = JSONCodec<unknown>();

/** An app's error reply: a code and a message; HTTP statuses belong to the gateway's edge. */
export interface RpcFailure {
  code: string;
  message: string;
}

/**
 * One app as its own process against a fresh database (signed in as the app's own role) and NATS
 * namespace, plus a NATS connection that speaks to it the way the other apps do: request/reply in
 * Nest's wire format, and domain events published to JetStream in the shared envelope.
 */
export class AppHarness {
  private constructor(
    readonly service: ServiceName,
    readonly db: TestDatabase,
    readonly namespace: string,
    readonly port: number,
    readonly nats: NatsConnection,
    readonly jetstream: JetStreamClient,
    private readonly env: Record<string, string>,
    public app: RunningProcess,
  ) {}

  static async start(service: ServiceName, env: Record<string, string> = {}): Promise<AppHarness> {
    const db = await createTestDatabase(service);
    const namespace = uniqueNamespace();
    const port = await findFreePort();
    const fullEnv = {
      // The app signs in as its own role, which owns its schema alone, as in a deployment.
      DATABASE_URL: await db.appUrl(service),
      NATS_URL: testNatsUrl(),
      NATS_NAMESPACE: namespace,
      HTTP_PORT: String(port),
      HTTP_HOST: '127.0.0.1',
      LOG_LEVEL: 'debug',
      // Test receivers listen on loopback; a test of the refusal passes 'false'.
      ...(service === 'gateway' ? { WEBHOOK_ALLOW_PRIVATE_TARGETS: 'true' } : {}),
      ...env,
    };
    const app = AppHarness.spawn(service, fullEnv);
    await app.waitForOutput(`${service} started`, 60000);
    const nats = await connect({ servers: testNatsUrl().split(',') });
    return new AppHarness(service, db, namespace, port, nats, nats.jetstream(), fullEnv, app);
  }

  private static spawn(service: ServiceName, env: Record<string, string>): RunningProcess {
    return startProcess(path.join(root, 'apps', service, 'src', 'main.ts'), env);
  }

  /** SIGKILLs the app (if running) and starts it again on the same database and namespace, with `env` changed. */
  async restart(env: Record<string, string> = {}): Promise<void> {
    this.app.kill('SIGKILL');
    await this.app.exited;
    Object.assign(this.env, env);
    this.app = AppHarness.spawn(this.service, this.env);
    await this.app.waitForOutput(`${this.service} started`, 60000);
  }

  /** Starts another process of the app on the same database and namespace (another replica); the caller stops it. */
  async startReplica(): Promise<{ port: number; process: RunningProcess }> {
    const port = await findFreePort();
    const replica = AppHarness.spawn(this.service, { ...this.env, HTTP_PORT: String(port) });
    await replica.waitForOutput(`${this.service} started`, 60000);
    return { port, process: replica };
  }

  /** Request/reply to the app; resolves with the reply or rejects with the app's `{code, message}`. */
  async request<T>(subject: string, data: unknown, timeoutMs = 5000): Promise<T> {
    const requestHeaders = headers();
    requestHeaders.set('x-request-id', `test-${randomUUID()}`);
    const message = await this.nats.request(`${this.namespace}.${subject}`, codec.encode({ pattern: subject, data, id: randomUUID() }), {
      headers: requestHeaders,
      timeout: timeoutMs,
    });
    const reply = codec.decode(message.data) as { response?: T; err?: RpcFailure };
    if (reply.err) throw reply.err;
    return reply.response as T;
  }

  /**
   * Answers `subject` in another app's place (Nest's wire format), so that an app can be tested
   * against a stand-in neighbour over the real NATS. The handler's result is the reply; a thrown
   * `{code, message}` is the error reply. Returns a function that stops answering.
   */
  answer(subject: string, handler: (data: unknown, headers: Record<string, string>) => unknown): () => void {
    const subscription = this.nats.subscribe(`${this.namespace}.${subject}`, {
      callback: (error, message) => {
        if (error) return;
        const packet = codec.decode(message.data) as { id: string; data: unknown };
        const headerValues: Record<string, string> = {};
        for (const [key, values] of message.headers ?? []) headerValues[key.toLowerCase()] = values[0] ?? '';
        void (async () => {
          try {
            const response = await handler(packet.data, headerValues);
            message.respond(codec.encode({ id: packet.id, response, isDisposed: true }));
          } catch (failure) {
            message.respond(codec.encode({ id: packet.id, err: failure, isDisposed: true }));
          }
        })();
      },
    });
    return () => subscription.unsubscribe();
  }

  /** Publishes a domain event as its owning app's outbox relay would; returns the envelope. */
  async publish<TData extends object>(
    type: EventType,
    data: TData,
    overrides: Partial<EventEnvelope<TData>> = {},
  ): Promise<EventEnvelope<TData>> {
    const stream: StreamDefinition = streamOf(type);
    const envelope: EventEnvelope<TData> = {
      id: uuidv7(),
      type,
      version: 1,
      workspaceId: 'default',
      occurredAt: new Date().toISOString(),
      producer: stream.owner,
      correlationId: `test-${randomUUID()}`,
      data,
      ...overrides,
    };
    await this.jetstream.publish(`${this.namespace}.${type}`, codec.encode(envelope), { msgID: envelope.id });
    return envelope;
  }

  /** Waits until `sql` returns at least one row for which `accept` holds; returns the rows. */
  async waitForRows<T = Record<string, unknown>>(
    sql: string,
    params: unknown[] = [],
    accept: (rows: T[]) => boolean = (rows) => rows.length > 0,
    timeoutMs = 15000,
  ): Promise<T[]> {
    let rows: T[] = [];
    await waitFor(
      async () => {
        rows = await this.db.query<T>(sql, params);
        return accept(rows);
      },
      { timeoutMs, intervalMs: 100, what: sql },
    );
    return rows;
  }

  /**
   * How many events of the type the app has handled so far: given to their handler (outcome
   * `applied`) or skipped by its inbox (`duplicate`), read from its `events_handled_total`.
   */
  async handledEvents(type: EventType): Promise<number> {
    const text = await (await fetch(`http://127.0.0.1:${this.port}/metrics`)).text();
    let handled = 0;
    for (const line of text.split('\n')) {
      if (!line.startsWith('events_handled_total{') || !line.includes(`type="${type}"`)) continue;
      if (line.includes('outcome="applied"') || line.includes('outcome="duplicate"')) handled += Number(line.split(' ').pop());
    }
    return handled;
  }

  async stop(): Promise<void> {
    this.app.kill('SIGKILL');
    await this.app.exited;
    await this.nats.close();
    await deleteNamespaceStreams(this.namespace);
    await this.db.drop();
  }
}
