/**
 * The embedded PostgreSQL, SIGKILLed while one of its backends cannot exit (stopped, as a backend
 * stuck in a long statement or in I/O would be): its end is reported at once and it starts again,
 * rather than waiting for the orphaned backend, which holds its shared memory.
 */
import { chmod, mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Client } from 'pg';
import { findFreePort } from '../src/ports';
import { processRunning } from '../src/proc-stat';
import { type EmbeddedPostgres, startEmbeddedPostgres } from '../src/postgres-embedded';
import type { ServerExit } from '../src/server-exit';

let dataDir: string;
let server: EmbeddedPostgres;
const exits: ServerExit[] = [];
let stoppedBackend: number | undefined;

beforeAll(async () => {
  dataDir = await mkdtemp(path.join(os.tmpdir(), 'leadflow-embedded-pg-'));
  // Run as root, the embedded PostgreSQL runs as `postgres`, which must reach its cluster here.
  await chmod(dataDir, 0o755);
  server = await startEmbeddedPostgres({
    clusterDir: path.join(dataDir, 'postgres'),
    logFile: path.join(dataDir, 'postgres.log'),
    port: await findFreePort(),
    log: () => undefined,
    onExit: (exit) => exits.push(exit),
  });
}, 60_000);

afterAll(async () => {
  if (stoppedBackend !== undefined) signal(stoppedBackend, 'SIGCONT');
  await server.stop();
  await rm(dataDir, { recursive: true, force: true });
}, 60_000);

it('reports a SIGKILLed postmaster whose backend cannot exit at once, ends that backend, and starts again on the same data', async () => {
  const client = new Client(server.url);
  client.on('error', () => undefined); // its backend is ended under it
  await client.connect();
  await client.query('CREATE TABLE kept (id int)');
  await client.query('INSERT INTO kept VALUES (1)');
  const { rows } = await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
  const backend = Number(rows[0]?.pid);
  stoppedBackend = backend;
  signal(backend, 'SIGSTOP');

  const killedAt = Date.now();
  signal(await postmasterPid(), 'SIGKILL');
  await until(async () => exits.length > 0, 'the exit reported');
  const reportedAfterMs = Date.now() - killedAt;
  await until(async () => !(await processRunning(backend)), 'the orphaned backend ended');
  expect(server.restart).toBeDefined();
  await server.restart?.();

  expect(exits.map((exit) => exit.how)).toEqual(['signal SIGKILL']);
  expect(reportedAfterMs).toBeLessThan(2_000);
  const after = new Client(server.url);
  await after.connect();
  try {
    expect((await after.query('SELECT id FROM kept')).rows).toEqual([{ id: 1 }]);
  } finally {
    await after.end();
  }
  await client.end().catch(() => undefined);
}, 60_000);

/** Polls every 20 ms; fails after 10 s, naming what it waited for. */
async function until(condition: () => Promise<boolean>, what: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out after 10 s waiting for ${what}`);
    await sleep(20);
  }
}

async function postmasterPid(): Promise<number> {
  return Number((await readFile(path.join(dataDir, 'postgres', 'postmaster.pid'), 'utf8')).split('\n')[0]);
}

function signal(pid: number, name: NodeJS.Signals): void {
  try {
    process.kill(pid, name);
  } catch {
    // already gone
  }
}
