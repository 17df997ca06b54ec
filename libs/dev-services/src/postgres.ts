/**
 * PostgreSQL for tools (the launcher, the test runner): the server at a URL when one answers there,
 * otherwise the embedded one under the data directory; plus database create/drop.
 */
import path from 'node:path';
import { startEmbeddedPostgres } from './postgres-embedded';
import { describePgError, probePostgres, withClient } from './postgres-probe';
import type { OnServerExit } from './server-exit';
import { assertDatabaseName, redactUrl, withDatabase } from './urls';

export { isValidDatabaseName, withDatabase, databaseNameOf, redactUrl } from './urls';
export { probePostgres } from './postgres-probe';

export interface PostgresHandle {
  /** Where the server answers; for the embedded server, its `postgres` database as superuser. */
  url: string;
  /** True when the server is the embedded one (started here, or reused from another running tool). */
  embedded: boolean;
  /** Stops the server if this call started it; otherwise does nothing. */
  stop(): Promise<void>;
  /** Set when this call started the server: starts it again after it ended (same cluster, port and settings). */
  restart?: () => Promise<void>;
}

export interface EnsurePostgresOptions {
  /** A URL to try first; give it a database that exists (e.g. `postgres`). */
  url: string;
  /** The data root (`.data`): the embedded cluster lives in `<dataDir>/postgres`, its log in `<dataDir>/postgres.log`. */
  dataDir: string;
  log: (line: string) => void;
  /** Told each time an embedded server this call started ends without stop() (see EmbeddedPostgresOptions). */
  onExit?: OnServerExit;
}

const PROBE_TIMEOUT_MS = 2000;
const DDL_TIMEOUT_MS = 30_000;

export async function ensurePostgres(options: EnsurePostgresOptions): Promise<PostgresHandle> {
  const probe = await probePostgres(options.url, PROBE_TIMEOUT_MS);
  if (probe.ok) {
    options.log(`using PostgreSQL at ${redactUrl(options.url)}`);
    return { url: options.url, embedded: false, stop: async () => undefined };
  }
  options.log(`no usable PostgreSQL at ${redactUrl(options.url)} (${probe.reason}): starting an embedded one`);
  const dataDir = path.resolve(options.dataDir);
  const server = await startEmbeddedPostgres({
    clusterDir: path.join(dataDir, 'postgres'),
    logFile: path.join(dataDir, 'postgres.log'),
    log: options.log,
    onExit: options.onExit,
  });
  return { url: server.url, embedded: true, stop: () => server.stop(), restart: server.restart };
}

/** Creates database `name` on the server of `adminUrl` unless it exists; returns a URL to it. */
export async function ensureDatabase(adminUrl: string, name: string): Promise<string> {
  assertDatabaseName(name);
  try {
    await withClient(adminUrl, DDL_TIMEOUT_MS, async (client) => {
      const found = await client.query('select 1 from pg_database where datname = $1', [name]);
      if (found.rowCount) return;
      await client.query(`create database "${name}"`).catch((error: unknown) => {
        // 42P04: another process created it between the check and the create.
        if ((error as { code?: unknown }).code !== '42P04') throw error;
      });
    });
  } catch (error) {
    throw databaseError(`create database ${name}`, adminUrl, error);
  }
  return withDatabase(adminUrl, name);
}

/** Drops database `name` if it exists, disconnecting its sessions first. */
export async function dropDatabase(adminUrl: string, name: string): Promise<void> {
  assertDatabaseName(name);
  try {
    await withClient(adminUrl, DDL_TIMEOUT_MS, (client) => client.query(`drop database if exists "${name}" with (force)`));
  } catch (error) {
    throw databaseError(`drop database ${name}`, adminUrl, error);
  }
}

function databaseError(what: string, adminUrl: string, error: unknown): Error {
  return new Error(`${what} on ${redactUrl(adminUrl)} failed: ${describePgError(error)}`, { cause: error });
}
