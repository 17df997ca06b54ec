import { SERVICE_NAMES, type ServiceName } from '@leadflow/contracts';
import { appRoleName } from '@leadflow/dev-services';
import type { Pool } from 'pg';
import type { AppProcess } from './app-process';
import { natsServerPids, postgresGroups, type ProcessGroups } from './cpu-usage';
import { deleteNamespaceStreams, PlatformTarget } from './platform-target';

/** What a bench of the whole platform needs of the run `main.ts` prepared. */
export interface PlatformBenchRun {
  runId: string;
  distDir: string;
  database: string;
  db: Pool;
  appDatabaseUrls: Record<ServiceName, string>;
  natsUrl: string;
  adminKey: string;
  intakeKey: string;
  signal: AbortSignal;
  cleanup: { add(label: string, action: () => Promise<unknown> | unknown): void };
  options: { profileDir: string | undefined };
}

/**
 * Starts the five apps in the run's namespace (its streams deleted at clean-up), and returns them
 * with the processes whose CPU the bench reads: each app, NATS, each app's PostgreSQL backends and
 * the load generator.
 */
export async function startBenchPlatform(
  run: PlatformBenchRun,
  log: (line: string) => void,
  label: string,
): Promise<{ platform: PlatformTarget; processes: () => Promise<ProcessGroups> }> {
  const namespace = `bench${run.runId}`;
  run.cleanup.add(`delete the streams of ${namespace}`, () => deleteNamespaceStreams(run.natsUrl, namespace));
  log(`${label}: starting gateway, ingestion, contacts, scoring, metrics`);
  const platform = await PlatformTarget.start(
    {
      distDir: run.distDir,
      databaseUrls: run.appDatabaseUrls,
      natsUrl: run.natsUrl,
      namespace,
      adminKey: run.adminKey,
      intakeKey: run.intakeKey,
      profileDir: run.options.profileDir,
    },
    (app: AppProcess) => run.cleanup.add(`stop ${app.name}`, () => app.stop()),
  );
  const roles = new Map(SERVICE_NAMES.map((service) => [appRoleName(run.database, service), service]));
  const own: ProcessGroups = new Map([...platform.pids()].map(([service, pid]) => [service, [pid]]));
  own.set('nats-server', await natsServerPids());
  const processes = async (): Promise<ProcessGroups> => {
    const all = new Map(own);
    for (const [name, pids] of await postgresGroups(run.db, run.database, (role) => roles.get(role))) all.set(name, pids);
    all.set('load generator', [process.pid]);
    return all;
  };
  return { platform, processes };
}
