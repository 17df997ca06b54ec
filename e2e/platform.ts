import { SERVICE_NAMES, type ServiceName } from '@leadflow/contracts';
import {
  createTestDatabase,
  deleteNamespaceStreams,
  findFreePort,
  type RunningProcess,
  startProcess,
  type TestDatabase,
  testNatsUrl,
  uniqueNamespace,
} from '@leadflow/testing';
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
  process: RunningProcess;
  url(pathname: string): string;
}

export interface PlatformOptions {
  /** Another NATS than the shared one (e.g. a private server the test stops). */
  natsUrl?: string;
  /** Extra environment for every app. */
  env?: Record<string, string>;
}

/** All five apps from dist/, on free ports, with their own database and NATS namespace. */
export class Platform {
  private constructor(
    readonly db: TestDatabase,
    readonly apps: Map<ServiceName, RunningApp>,
    readonly namespace: string,
    private readonly env: Record<string, string>,
  ) {}

  static async start(options: PlatformOptions = {}): Promise<Platform> {
    const db = await createTestDatabase('e2e');
    const namespace = uniqueNamespace();
    const env = {
      DATABASE_URL: db.url,
      NATS_URL: options.natsUrl ?? testNatsUrl(),
      NATS_NAMESPACE: namespace,
      HTTP_HOST: '127.0.0.1',
      LOG_LEVEL: 'debug',
      BOOTSTRAP_ADMIN_KEY: E2E_ADMIN_KEY,
      BOOTSTRAP_INTAKE_KEY: E2E_INTAKE_KEY,
      // The suites send thousands of leads at once; rate limits have their own tests.
      BOOTSTRAP_INTAKE_RATE_LIMIT: '100000',
      BOOTSTRAP_ADMIN_EMAIL: E2E_OWNER.email,
      BOOTSTRAP_ADMIN_PASSWORD: E2E_OWNER.password,
      AUTH_TOKEN_SECRET: 'e2e-token-secret-0000000000000000000000',
      ...options.env,
    };
    const apps = new Map<ServiceName, RunningApp>();
    for (const service of SERVICE_NAMES) {
      const port = await findFreePort();
      apps.set(service, { service, port, process: spawnApp(service, port, env), url: (pathname) => `http://127.0.0.1:${port}${pathname}` });
    }
    await Promise.all([...apps.values()].map((app) => app.process.waitForOutput(`${app.service} started`, 60000)));
    return new Platform(db, apps, namespace, env);
  }

  app(service: ServiceName): RunningApp {
    const app = this.apps.get(service);
    if (!app) throw new Error(`no app ${service}`);
    return app;
  }

  get gateway(): RunningApp {
    return this.app('gateway');
  }

  /** SIGKILLs an app: no shutdown, work in flight is abandoned. */
  async kill(service: ServiceName): Promise<void> {
    const app = this.app(service);
    app.process.kill('SIGKILL');
    await app.process.exited;
  }

  /** Starts a stopped app again on the same port, database and namespace. */
  async restart(service: ServiceName): Promise<void> {
    const app = this.app(service);
    app.process = spawnApp(service, app.port, this.env);
    await app.process.waitForOutput(`${service} started`, 60000);
  }

  /** GET on the admin API with the platform's key. */
  async admin<T>(pathname: string): Promise<T> {
    const response = await fetch(this.gateway.url(pathname), { headers: { Authorization: `Bearer ${E2E_ADMIN_KEY}` } });
    if (response.status !== 200) throw new Error(`GET ${pathname} answered ${response.status}: ${await response.text()}`);
    return (await response.json()) as T;
  }

  async stop(): Promise<void> {
    for (const app of this.apps.values()) app.process.kill('SIGKILL');
    await Promise.all([...this.apps.values()].map((app) => app.process.exited));
    await deleteNamespaceStreams(this.namespace, this.env.NATS_URL).catch(() => undefined);
    await this.db.drop();
  }
}

function spawnApp(service: ServiceName, port: number, env: Record<string, string>): RunningProcess {
  return startProcess(
    path.join(root, 'dist', 'apps', service, 'src', 'main.js'),
    { ...env, HTTP_PORT: String(port) },
    { typescript: false },
  );
}
