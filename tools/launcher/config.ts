/** The launcher's settings, read from the environment with defaults for a developer machine. */
import path from 'node:path';
import { DEFAULT_HTTP_PORTS, SERVICE_NAMES, type ServiceName } from '@leadflow/contracts';
import { databaseNameOf, isValidDatabaseName, natsServers, redactUrl } from '@leadflow/dev-services';

export interface AppDefinition {
  name: ServiceName;
  port: number;
}

/** The five apps in start order, on their own default HTTP ports. */
export const APPS: readonly AppDefinition[] = SERVICE_NAMES.map((name) => ({ name, port: DEFAULT_HTTP_PORTS[name] }));

export const DEFAULT_DATABASE_URL = 'postgres://postgres@127.0.0.1:5432/leadflow';
const DEFAULT_DATABASE = 'leadflow';
/** The bootstrap keys of a developer machine; printed at start. Deployments set their own secrets. */
export const DEVELOPMENT_ADMIN_KEY = 'lf_test_development-admin-key-000000';
export const DEVELOPMENT_INTAKE_KEY = 'lf_test_development-intake-key-00000';
export const DEVELOPMENT_ADMIN_EMAIL = 'admin@leadflow.localhost';
export const DEVELOPMENT_ADMIN_PASSWORD = 'development-password';
const DEVELOPMENT_TOKEN_SECRET = 'development-only-token-secret-0000000000';

export interface LauncherConfig {
  rootDir: string;
  /** `.data/` (LEADFLOW_DATA_DIR): embedded PostgreSQL cluster, JetStream store, fetched nats-server. */
  dataDir: string;
  /**
   * `dist/` (LEADFLOW_BUILD_DIR): where the apps are built. It is emptied before each build, so it
   * must be `dist/` or a directory under `dist/` or `.data/`; inside the repository, the apps load
   * their packages from its node_modules.
   */
  buildDir: string;
  /** DATABASE_URL as configured; the launcher probes the same server's `postgres` database. */
  databaseUrl: string;
  databaseName: string;
  /**
   * NATS_URL when set: that server, used as it is. Unset: the launcher runs its own nats-server
   * with one user per app and each app's permissions.
   */
  natsUrl: string | undefined;
  /** BOOTSTRAP_ADMIN_KEY given to the gateway. */
  adminKey: string;
  /** BOOTSTRAP_INTAKE_KEY given to the gateway. */
  intakeKey: string;
  /** The bootstrap owner account (BOOTSTRAP_ADMIN_EMAIL / BOOTSTRAP_ADMIN_PASSWORD). */
  adminEmail: string;
  adminPassword: string;
  /** AUTH_TOKEN_SECRET given to the gateway. */
  tokenSecret: string;
  logLevel: string;
  apps: AppDefinition[];
  /** How long apps get to stop after SIGTERM before SIGKILL. */
  stopGraceMs: number;
}

export function readLauncherConfig(env: NodeJS.ProcessEnv, rootDir: string): LauncherConfig {
  const databaseUrl = nonEmpty(env.DATABASE_URL) ?? DEFAULT_DATABASE_URL;
  let databaseName: string;
  try {
    databaseName = databaseNameOf(databaseUrl) ?? DEFAULT_DATABASE;
  } catch (error) {
    throw new Error(`DATABASE_URL: ${error instanceof Error ? error.message : String(error)}`);
  }
  if (!isValidDatabaseName(databaseName)) {
    throw new Error(
      `DATABASE_URL ${redactUrl(databaseUrl)} names the database ${JSON.stringify(databaseName)}: the launcher creates only names of lower-case letters, digits and _`,
    );
  }
  const natsUrl = nonEmpty(env.NATS_URL);
  try {
    if (natsUrl) natsServers(natsUrl);
  } catch (error) {
    throw new Error(`NATS_URL: ${error instanceof Error ? error.message : String(error)}`);
  }
  return {
    rootDir,
    dataDir: path.resolve(rootDir, nonEmpty(env.LEADFLOW_DATA_DIR) ?? '.data'),
    buildDir: buildDirOf(env.LEADFLOW_BUILD_DIR, rootDir),
    databaseUrl,
    databaseName,
    natsUrl,
    adminKey: nonEmpty(env.BOOTSTRAP_ADMIN_KEY) ?? DEVELOPMENT_ADMIN_KEY,
    intakeKey: nonEmpty(env.BOOTSTRAP_INTAKE_KEY) ?? DEVELOPMENT_INTAKE_KEY,
    adminEmail: nonEmpty(env.BOOTSTRAP_ADMIN_EMAIL) ?? DEVELOPMENT_ADMIN_EMAIL,
    adminPassword: nonEmpty(env.BOOTSTRAP_ADMIN_PASSWORD) ?? DEVELOPMENT_ADMIN_PASSWORD,
    tokenSecret: nonEmpty(env.AUTH_TOKEN_SECRET) ?? DEVELOPMENT_TOKEN_SECRET,
    logLevel: nonEmpty(env.LOG_LEVEL) ?? 'info',
    apps: withHttpPorts(selectApps(env.LEADFLOW_APPS), env.LEADFLOW_FIRST_HTTP_PORT),
    stopGraceMs: 15_000,
  };
}

/** All apps, or the subset `LEADFLOW_APPS` lists (comma-separated), always in start order. */
export function selectApps(list: string | undefined): AppDefinition[] {
  const wanted = (list ?? '')
    .split(',')
    .map((name) => name.trim())
    .filter((name) => name.length > 0);
  if (wanted.length === 0) return [...APPS];
  const unknown = wanted.filter((name) => !APPS.some((app) => app.name === name));
  if (unknown.length > 0) {
    throw new Error(`LEADFLOW_APPS names unknown apps: ${unknown.join(', ')} (known: ${APPS.map((app) => app.name).join(', ')})`);
  }
  return APPS.filter((app) => wanted.includes(app.name));
}

/**
 * The apps on their default ports, or, given LEADFLOW_FIRST_HTTP_PORT, on consecutive ports from it
 * in start order (the gateway on the first), so that a second launcher can run beside the first.
 */
export function withHttpPorts(apps: AppDefinition[], firstPort: string | undefined): AppDefinition[] {
  const first = nonEmpty(firstPort);
  if (first === undefined) return apps;
  const port = Number(first);
  const last = port + SERVICE_NAMES.length - 1;
  if (!/^\d+$/.test(first) || port < 1 || last > 65535) {
    throw new Error(
      `LEADFLOW_FIRST_HTTP_PORT: expected a port from 1 to ${65536 - SERVICE_NAMES.length} (the apps take it and the next ${SERVICE_NAMES.length - 1})`,
    );
  }
  return apps.map((app) => ({ name: app.name, port: port + SERVICE_NAMES.indexOf(app.name) }));
}

/** LEADFLOW_BUILD_DIR resolved against the repository: dist/ by default, refused where emptying it would delete sources. */
function buildDirOf(value: string | undefined, rootDir: string): string {
  const buildDir = path.resolve(rootDir, nonEmpty(value) ?? 'dist');
  const [top, ...rest] = path.relative(rootDir, buildDir).split(path.sep);
  if (!(top === 'dist' || (top === '.data' && rest.length > 0))) {
    throw new Error(
      `LEADFLOW_BUILD_DIR: ${buildDir} is emptied before each build, so it must be ${path.join(rootDir, 'dist')} or a directory under it or under ${path.join(rootDir, '.data')}`,
    );
  }
  return buildDir;
}

function nonEmpty(value: string | undefined): string | undefined {
  return value !== undefined && value.trim().length > 0 ? value.trim() : undefined;
}
