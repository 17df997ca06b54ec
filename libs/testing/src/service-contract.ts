import { findFreePort } from '@leadflow/dev-services';
import { HEALTH_PATHS, RpcSubjects, type ServiceName, type SystemStatusReply } from '@leadflow/contracts';
import { connect, headers, JSONCodec, type NatsConnection } from 'nats';
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { startProcess, type RunningProcess } from './child-process';
import { startTcpProxy, type TcpProxy } from './tcp-proxy';
import { deleteNamespaceStreams } from './namespace-streams';
import { createTestDatabase, type TestDatabase } from './test-database';
import { testNatsUrl, uniqueNamespace } from './test-run';
import { waitFor } from './wait-for';

const root = path.resolve(__dirname, '..', '..', '..');

async function readyStatus(port: number): Promise<number> {
  const response = await fetch(`http://127.0.0.1:${port}${HEALTH_PATHS.ready}`, { signal: AbortSignal.timeout(5000) });
  await response.arrayBuffer();
  return response.status;
}

/**
 * What every app promises, checked against the real app process, a real PostgreSQL and NATS: it
 * migrates only its own schema, answers its probes and `system.status`, reports an outage of
 * either dependency within 10 s and recovers without a restart, and stops cleanly on SIGTERM.
 * Outages are simulated with TCP proxies, so the shared servers keep running for other tests.
 */
export function describeServiceContract(service: ServiceName): void {
  describe(`${service}: platform contract`, () => {
    const namespace = uniqueNamespace();
    let db: TestDatabase;
    let pgProxy: TcpProxy;
    let natsProxy: TcpProxy;
    let app: RunningProcess;
    let port: number;
    let nats: NatsConnection;

    beforeAll(async () => {
      db = await createTestDatabase(service);
      const pg = new URL(db.url);
      pgProxy = await startTcpProxy(pg.hostname, Number(pg.port || 5432));
      const natsServer = new URL(testNatsUrl().split(',')[0] ?? '');
      natsProxy = await startTcpProxy(natsServer.hostname, Number(natsServer.port || 4222));
      port = await findFreePort();
      app = startProcess(path.join(root, 'apps', service, 'src', 'main.ts'), {
        DATABASE_URL: pgProxy.url(db.url),
        NATS_URL: natsProxy.url(testNatsUrl()),
        NATS_NAMESPACE: namespace,
        HTTP_PORT: String(port),
        HTTP_HOST: '127.0.0.1',
        HEALTH_CHECK_TIMEOUT_MS: '1000',
        LOG_LEVEL: 'debug',
      });
      await app.waitForOutput(`${service} started`, 60000);
      nats = await connect({ servers: testNatsUrl().split(',') });
    });

    afterAll(async () => {
      app?.kill('SIGKILL');
      await nats?.close();
      await pgProxy?.close();
      await natsProxy?.close();
      await deleteNamespaceStreams(namespace);
      await db?.drop();
    });

    it('migrates its own schema and no other', async () => {
      const tables = await db.query<{ table_schema: string; table_name: string }>(
        `SELECT table_schema, table_name FROM information_schema.tables
         WHERE table_schema NOT IN ('pg_catalog', 'information_schema') ORDER BY 1, 2`,
      );
      expect(new Set(tables.map((t) => t.table_schema))).toEqual(new Set([service]));
      expect(tables.map((t) => t.table_name)).toEqual(expect.arrayContaining(['dead_letters', 'inbox', 'outbox', `${service}_migrations`]));
    });

    it('answers /health/live and /health/ready with its database and NATS up', async () => {
      const live = await fetch(`http://127.0.0.1:${port}${HEALTH_PATHS.live}`);
      expect(live.status).toBe(200);
      const ready = await fetch(`http://127.0.0.1:${port}${HEALTH_PATHS.ready}`);
      expect(ready.status).toBe(200);
      expect(await ready.json()).toMatchObject({ status: 'ok', details: { database: { status: 'up' }, nats: { status: 'up' } } });
    });

    it('answers system.status over NATS inside the caller request id', async () => {
      const requestHeaders = headers();
      const requestId = `contract-${service}-${Date.now()}`;
      requestHeaders.set('x-request-id', requestId);
      // Nest's NATS wire format, spoken directly: the contract holds for any client.
      const subject = RpcSubjects.systemStatus[service];
      const codec = JSONCodec<unknown>();
      const message = await nats.request(`${namespace}.${subject}`, codec.encode({ pattern: subject, data: {}, id: randomUUID() }), {
        headers: requestHeaders,
        timeout: 5000,
      });
      const reply = codec.decode(message.data) as { response?: SystemStatusReply };
      expect(reply.response).toMatchObject({ service, ready: true });
      await app.waitForOutput(`"requestId":"${requestId}"`, 5000);
    });

    it('serves Prometheus metrics', async () => {
      const response = await fetch(`http://127.0.0.1:${port}/metrics`);
      const text = await response.text();
      expect(response.status).toBe(200);
      expect(text).toContain('process_resident_memory_bytes');
      expect(text).toContain(`outbox_pending_events{service="${service}"} 0`);
    });

    it.each([
      ['PostgreSQL', () => pgProxy],
      ['NATS', () => natsProxy],
    ])('turns not ready within 10 s when %s is unreachable and ready again when it returns', async (_, proxy) => {
      proxy().cut();
      const cutAt = Date.now();
      await waitFor(async () => (await readyStatus(port)) === 503, { timeoutMs: 10000, intervalMs: 250, what: 'readiness 503' });
      const notReadyAfterMs = Date.now() - cutAt;
      expect(notReadyAfterMs).toBeLessThan(10000);
      expect((await fetch(`http://127.0.0.1:${port}${HEALTH_PATHS.live}`)).status).toBe(200);

      proxy().restore();
      await waitFor(async () => (await readyStatus(port)) === 200, { timeoutMs: 20000, intervalMs: 250, what: 'readiness 200 again' });
    });

    it('stops on SIGTERM with exit code 0 within 10 s', async () => {
      const signalledAt = Date.now();
      app.kill('SIGTERM');
      const exit = await app.exited;
      expect(exit).toEqual({ code: 0, signal: null });
      expect(Date.now() - signalledAt).toBeLessThan(10000);
      expect(app.output()).toContain('"msg":"stopped"');
    });
  });
}
