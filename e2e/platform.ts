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
/** The gateway's admin API key in end-to-end runs. */
export const E2E_ADMIN_KEY = 'e2e-admin-key-000000';

export interface RunningApp {
  service: ServiceName;
  port: number;
  process: RunningProcess;
  url(pathname: string): string;
}

/** All five apps from dist/, on free ports, with their own database and NATS namespace. */
export class Platform {
  private constructor(
    readonly db: TestDatabase,
    readonly apps: Map<ServiceName, RunningApp>,
    readonly namespace: string,
  ) {}

  static async start(): Promise<Platform> {
    const db = await createTestDatabase('e2e');
    const namespace = uniqueNamespace();
    const apps = new Map<ServiceName, RunningApp>();
    for (const service of SERVICE_NAMES) {
      const port = await findFreePort();
      const child = startProcess(
        path.join(root, 'dist', 'apps', service, 'src', 'main.js'),
        {
          DATABASE_URL: db.url,
          NATS_URL: testNatsUrl(),
          NATS_NAMESPACE: namespace,
          HTTP_PORT: String(port),
          HTTP_HOST: '127.0.0.1',
          LOG_LEVEL: 'debug',
          ADMIN_API_KEY: E2E_ADMIN_KEY,
        },
        { typescript: false },
      );
      apps.set(service, { service, port, process: child, url: (pathname) => `http://127.0.0.1:${port}${pathname}` });
    }
    await Promise.all([...apps.values()].map((app) => app.process.waitForOutput(`${app.service} started`, 60000)));
    return new Platform(db, apps, namespace);
  }

  app(service: ServiceName): RunningApp {
    const app = this.apps.get(service);
    if (!app) throw new Error(`no app ${service}`);
    return app;
  }

  get gateway(): RunningApp {
    return this.app('gateway');
  }

  async stop(): Promise<void> {
    for (const app of this.apps.values()) app.process.kill('SIGKILL');
    await deleteNamespaceStreams(this.namespace);
    await this.db.drop();
  }
}
