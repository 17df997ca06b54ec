/** The five apps, built, on free ports, in the bench's database and NATS namespace. */
import path from 'node:path';
import { SERVICE_NAMES, type LeadsSummaryReport, type ServiceName } from '@leadflow/contracts';
import { appNodeFlags, findFreePort, natsServers } from '@leadflow/dev-services';
import { connect } from 'nats';
import { AppProcess, type LogSummary } from './app-process';
import type { LeadCounts } from './drain';

const ROOT = path.resolve(__dirname, '..', '..');
const READY_TIMEOUT_MS = 90_000;

export interface PlatformSettings {
  /** Where the apps were built (`<distDir>/apps/<app>/src/main.js`). */
  distDir: string;
  /** Each app signs in as its own role. */
  databaseUrls: Record<ServiceName, string>;
  natsUrl: string;
  namespace: string;
  /** BOOTSTRAP_ADMIN_KEY: the bench reads the metrics with it. */
  adminKey: string;
  /** BOOTSTRAP_INTAKE_KEY: the bench sends its leads with it. */
  intakeKey: string;
  /** Directory for per-app V8 CPU profiles, written when each app stops. */
  profileDir?: string;
}

export class PlatformTarget {
  /** When the apps were ready: no lead of the run was received before. */
  private readonly readyAt = new Date();

  private constructor(
    private readonly apps: Map<ServiceName, AppProcess>,
    private readonly adminKey: string,
  ) {}

  /** Starts every app and waits for all of them to be ready; `onStarted` sees each process at once, for clean-up. */
  static async start(settings: PlatformSettings, onStarted: (app: AppProcess) => void): Promise<PlatformTarget> {
    const apps = new Map<ServiceName, AppProcess>();
    for (const service of SERVICE_NAMES) {
      const port = await findFreePort();
      const app = AppProcess.start({
        name: service,
        args: [
          ...appNodeFlags(service),
          ...(settings.profileDir ? ['--cpu-prof', `--cpu-prof-dir=${settings.profileDir}`, `--cpu-prof-name=${service}.cpuprofile`] : []),
          path.join(settings.distDir, 'apps', service, 'src', 'main.js'),
        ],
        cwd: ROOT,
        env: {
          ...process.env,
          DATABASE_URL: settings.databaseUrls[service],
          NATS_URL: settings.natsUrl,
          NATS_NAMESPACE: settings.namespace,
          HTTP_PORT: String(port),
          HTTP_HOST: '127.0.0.1',
          // info would log every request, and the bench would measure the logging.
          LOG_LEVEL: 'warn',
          BOOTSTRAP_ADMIN_KEY: settings.adminKey,
          BOOTSTRAP_INTAKE_KEY: settings.intakeKey,
          // Limited, so that the rate limit is part of what is measured, but far above what the load reaches.
          BOOTSTRAP_INTAKE_RATE_LIMIT: '1000000',
          WEBHOOK_RATE_LIMIT_PER_SECOND: '1000000',
        },
        port,
      });
      onStarted(app);
      apps.set(service, app);
    }
    await Promise.all([...apps.values()].map((app) => app.waitUntilReady(READY_TIMEOUT_MS)));
    return new PlatformTarget(apps, settings.adminKey);
  }

  get baseUrl(): string {
    return this.gateway.url('');
  }

  /**
   * What the metrics app has counted of the leads received from the UTC day the apps were ready
   * through tomorrow, through the admin API: a run that goes past midnight counts on both days.
   */
  async leadCounts(now = new Date()): Promise<LeadCounts> {
    const query = new URLSearchParams({ from: utcDay(this.readyAt, 0), to: utcDay(now, 1) });
    const response = await fetch(this.gateway.url(`/api/v1/metrics/leads/summary?${query}`), {
      headers: { authorization: `Bearer ${this.adminKey}` },
      signal: AbortSignal.timeout(5000),
    });
    const text = await response.text();
    if (response.status !== 200) throw new Error(`metrics summary answered ${response.status}: ${text.slice(0, 300)}`);
    const { total, newContacts, returningContacts } = JSON.parse(text) as Partial<LeadsSummaryReport>;
    if (typeof total !== 'number' || typeof newContacts !== 'number' || typeof returningContacts !== 'number') {
      throw new Error(`metrics summary lacks a numeric total, newContacts or returningContacts: ${text.slice(0, 300)}`);
    }
    return { leads: total, attributed: newContacts + returningContacts };
  }

  /** Apps that exited on their own. */
  crashes(): string[] {
    return [...this.apps.values()].flatMap((app) => app.crash ?? []);
  }

  /** Each app's process id, for reading its CPU time. */
  pids(): Map<ServiceName, number> {
    return new Map([...this.apps].flatMap(([service, app]) => (app.pid === undefined ? [] : [[service, app.pid] as const])));
  }

  /** Each app's address, by name: its URL for a path. */
  urls(): Map<ServiceName, (pathname: string) => string> {
    return new Map([...this.apps].map(([service, app]) => [service, (pathname: string) => app.url(pathname)]));
  }

  logSummaries(): Record<string, LogSummary> {
    return Object.fromEntries([...this.apps].map(([service, app]) => [service, app.logSummary]));
  }

  async stop(): Promise<void> {
    await Promise.all([...this.apps.values()].map((app) => app.stop()));
  }

  private get gateway(): AppProcess {
    const gateway = this.apps.get('gateway');
    if (!gateway) throw new Error('the gateway is not running');
    return gateway;
  }
}

/** Deletes the JetStream streams of `namespace` (`<NAMESPACE>_INGESTION`, …); returns their names. */
export async function deleteNamespaceStreams(natsUrl: string, namespace: string): Promise<string[]> {
  const prefix = `${namespace.toUpperCase()}_`;
  const connection = await connect({ servers: natsServers(natsUrl), timeout: 3000, name: 'leadflow-bench' });
  try {
    const manager = await connection.jetstreamManager();
    const names: string[] = [];
    for await (const stream of manager.streams.list()) if (stream.config.name.startsWith(prefix)) names.push(stream.config.name);
    for (const name of names) await manager.streams.delete(name);
    return names;
  } finally {
    await connection.close();
  }
}

/** YYYY-MM-DD of the UTC day `offsetDays` after `now`. */
export function utcDay(now: Date, offsetDays: number): string {
  return new Date(now.getTime() + offsetDays * 86_400_000).toISOString().slice(0, 10);
}
