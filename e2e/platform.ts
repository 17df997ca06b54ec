import { type EventEnvelope, type EventType, NatsNamespace, RpcSubjects, SERVICE_NAMES, type ServiceName } from '@leadflow/contracts';
import {
  createTestDatabase,
  findInvariantViolations,
  findFreePort,
  type PrivateNats,
  readPublishedEvents,
  type RunningProcess,
  startPrivateNats,
  startProcess,
  type TestDatabase,
  uniqueNamespace,
  waitFor,
} from '@leadflow/testing';
import { connect, ErrorCode } from 'nats';
import path from 'node:path';

const root = path.resolve(__dirname, '..');
/** The gateway's bootstrap keys in end-to-end runs. */
export const E2E_ADMIN_KEY = 'lf_test_e2e-admin-key-00000000000000';
export const E2E_INTAKE_KEY = 'lf_test_e2e-intake-key-0000000000000';
/** The `default` workspace's bootstrap owner in end-to-end runs. */
export const E2E_OWNER = { email: 'owner@e2e.example.com', password: 'e2e-owner-password' };

export interface RunningApp {
  service: ServiceName;
  port: number;
  /** Its environment: the platform's, plus its own database role and NATS user. */
  env: Record<string, string>;
  process: RunningProcess;
  url(pathname: string): string;
}

export interface PlatformOptions {
  /** Extra environment for every app. */
  env?: Record<string, string>;
}

/**
 * All five apps from dist/, on free ports, with their own database and their own NATS server, as
 * deployed: each app signs in to PostgreSQL as its own role and to NATS as its own user.
 */
export class Platform {
  private constructor(
    readonly db: TestDatabase,
    /** The platform's own NATS server, which a test may stop and start again. */
    readonly nats: PrivateNats,
    readonly apps: Map<ServiceName, RunningApp>,
    readonly namespace: string,
  ) {}

  static async start(options: PlatformOptions = {}): Promise<Platform> {
    const db = await createTestDatabase('e2e');
    const namespace = uniqueNamespace();
    const nats = await startPrivateNats({ secured: { namespace } });
    const env = {
      NATS_NAMESPACE: namespace,
      HTTP_HOST: '127.0.0.1',
      LOG_LEVEL: 'debug',
      BOOTSTRAP_ADMIN_KEY: E2E_ADMIN_KEY,
      BOOTSTRAP_INTAKE_KEY: E2E_INTAKE_KEY,
      // The suites send thousands of leads at once; rate limits have their own tests.
      BOOTSTRAP_INTAKE_RATE_LIMIT: '100000',
      BOOTSTRAP_ADMIN_RATE_LIMIT: '100000',
      WEBHOOK_RATE_LIMIT_PER_SECOND: '100000',
      // Webhook endpoints on loopback, as in development (the refusal of private targets has its own tests).
      WEBHOOK_ALLOW_PRIVATE_TARGETS: 'true',
      BOOTSTRAP_ADMIN_EMAIL: E2E_OWNER.email,
      BOOTSTRAP_ADMIN_PASSWORD: E2E_OWNER.password,
      AUTH_TOKEN_SECRET: 'e2e-token-secret-0000000000000000000000',
      ...options.env,
    };
    const apps = new Map<ServiceName, RunningApp>();
    try {
      for (const service of SERVICE_NAMES) {
        const port = await findFreePort();
        const own = { ...env, DATABASE_URL: await db.appUrl(service), ...nats.envFor(service) };
        apps.set(service, {
          service,
          port,
          env: own,
          process: spawnApp(service, port, own),
          url: (pathname) => `http://127.0.0.1:${port}${pathname}`,
        });
      }
      await Promise.all([...apps.values()].map((app) => app.process.waitForOutput(`${app.service} started`, 60000)));
    } catch (error) {
      // An app that cannot start leaves nothing behind: no processes, server, database or roles.
      await new Platform(db, nats, apps, namespace).stop().catch(() => undefined);
      throw error;
    }
    return new Platform(db, nats, apps, namespace);
  }

  app(service: ServiceName): RunningApp {
    const app = this.apps.get(service);
    if (!app) throw new Error(`no app ${service}`);
    return app;
  }

  get gateway(): RunningApp {
    return this.app('gateway');
  }

  /**
   * SIGKILLs an app: no shutdown, work in flight is abandoned. Returns once NATS has let go of the
   * app's subscriptions too (it notices the closed connection a moment after the exit, longer on a
   * busy machine): until then a request to the app is delivered to the dead connection and waits
   * out its timeout instead of meeting "no responders" at once.
   */
  async kill(service: ServiceName): Promise<void> {
    const app = this.app(service);
    app.process.kill('SIGKILL');
    await app.process.exited;
    const connection = await connect({ servers: this.nats.url, ...(this.nats.admin ?? {}) });
    try {
      const subject = new NatsNamespace(this.namespace).subject(RpcSubjects.systemStatus[service]);
      await waitFor(
        async () => {
          try {
            await connection.request(subject, undefined, { timeout: 200 });
            return false;
          } catch (error) {
            return (error as { code?: string }).code === ErrorCode.NoResponders;
          }
        },
        { timeoutMs: 10_000, what: `NATS letting go of the killed ${service}'s subscriptions` },
      );
    } finally {
      await connection.close();
    }
  }

  /** What the apps have published of `type`, each event once (see `readPublishedEvents`). */
  published<T extends object = Record<string, unknown>>(type: EventType): Promise<Array<EventEnvelope<T>>> {
    return readPublishedEvents<T>({ natsUrl: this.nats.url, namespace: this.namespace, credentials: this.nats.admin }, type);
  }

  /** Starts a stopped app again on the same port, database and namespace. */
  async restart(service: ServiceName): Promise<void> {
    const app = this.app(service);
    app.process = spawnApp(service, app.port, app.env);
    await app.process.waitForOutput(`${service} started`, 60000);
  }

  /** GET on the admin API with the platform's key. */
  async admin<T>(pathname: string): Promise<T> {
    const response = await fetch(this.gateway.url(pathname), { headers: { Authorization: `Bearer ${E2E_ADMIN_KEY}` } });
    if (response.status !== 200) throw new Error(`GET ${pathname} answered ${response.status}: ${await response.text()}`);
    return (await response.json()) as T;
  }

  /**
   * Stops everything and drops the database, after checking the data invariants that hold at
   * every commit (`npm run check:invariants`): a suite whose run left them broken fails here.
   */
  async stop(): Promise<void> {
    for (const app of this.apps.values()) app.process.kill('SIGKILL');
    await Promise.all([...this.apps.values()].map((app) => app.process.exited));
    const violations = await findInvariantViolations(this.db, { drained: false }).catch((error: unknown) => [
      { name: `the invariants could not be checked: ${error instanceof Error ? error.message : String(error)}`, count: 1, examples: [] },
    ]);
    await this.nats.dispose();
    await this.db.drop();
    if (violations.length > 0) throw new Error(`data invariants broken:\n${JSON.stringify(violations, null, 2)}`);
  }
}

function spawnApp(service: ServiceName, port: number, env: Record<string, string>): RunningProcess {
  return startProcess(
    path.join(root, 'dist', 'apps', service, 'src', 'main.js'),
    { ...env, HTTP_PORT: String(port) },
    { typescript: false },
  );
}
