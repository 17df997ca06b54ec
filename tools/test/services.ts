/**
 * PostgreSQL and NATS for a test run: the configured servers when they answer, otherwise an
 * embedded PostgreSQL and a local nats-server under .data/test (the same fallback as `npm start`).
 * Everything a run creates is named after its run id and removed at the end.
 */
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { Client } from 'pg';
import { dropDatabase, dropRoles, ensureNats, ensurePostgres } from '@leadflow/dev-services';
import { deleteStreams } from '@leadflow/testing';

const root = path.resolve(__dirname, '..', '..');

export interface TestServices {
  env: Record<string, string>;
  runId: string;
  cleanup(): Promise<void>;
}

const log = (line: string) => process.stdout.write(`test-services | ${line}\n`);

async function dropRunDatabases(adminUrl: string, runId: string): Promise<number> {
  const client = new Client({ connectionString: adminUrl });
  await client.connect();
  const { rows } = await client
    .query<{ datname: string }>(`SELECT datname FROM pg_database WHERE datname LIKE $1`, [`lf\\_${runId}\\_%`])
    .finally(() => client.end());
  for (const { datname } of rows) await dropDatabase(adminUrl, datname);
  return rows.length;
}

/** Roles of this run's databases (`lf_<run>_…`) that a killed test left behind. */
async function dropRunRoles(adminUrl: string, runId: string): Promise<number> {
  const client = new Client({ connectionString: adminUrl });
  await client.connect();
  const { rows } = await client
    .query<{ rolname: string }>(`SELECT rolname FROM pg_roles WHERE rolname LIKE $1`, [`lf\\_${runId}\\_%`])
    .finally(() => client.end());
  await dropRoles(
    adminUrl,
    rows.map((row) => row.rolname),
  );
  return rows.length;
}

export async function startTestServices(): Promise<TestServices> {
  const runId = process.env.LEADFLOW_TEST_RUN ?? randomBytes(4).toString('hex');
  const dataDir = path.join(root, '.data', 'test');
  const postgres = await ensurePostgres({
    url: process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres',
    dataDir,
    log,
  });
  const nats = await ensureNats({ url: process.env.NATS_URL ?? 'nats://127.0.0.1:4222', dataDir, log });
  log(`run ${runId}: PostgreSQL ${postgres.embedded ? 'embedded' : 'configured'}, NATS ${nats.embedded ? 'local' : 'configured'}`);
  return {
    runId,
    env: { DATABASE_URL: postgres.url, NATS_URL: nats.url, LEADFLOW_TEST_RUN: runId, NODE_ENV: 'test' },
    cleanup: async () => {
      const databases = await dropRunDatabases(postgres.url, runId).catch(() => -1);
      const roles = await dropRunRoles(postgres.url, runId).catch(() => -1);
      const streams = await deleteStreams(`T${runId}`.toUpperCase(), nats.url).catch(() => -1);
      log(`run ${runId}: dropped ${databases} databases, ${roles} roles and ${streams} streams`);
      await nats.stop();
      await postgres.stop();
    },
  };
}
