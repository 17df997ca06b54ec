/**
 * The launcher keeps the servers it started itself alive: its nats-server, then its embedded
 * PostgreSQL, is SIGKILLed during intake, and the launcher starts it again as it was. The launcher
 * runs as `npm start` does, with its own data directory, build and ports; the machine's PostgreSQL
 * and NATS are never used.
 */
import { randomBytes } from 'node:crypto';
import { chmod, mkdtemp, rm, rmdir } from 'node:fs/promises';
import { get } from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { Client } from 'pg';
import { HEALTH_PATHS, SERVICE_NAMES } from '@leadflow/contracts';
import { findFreePort, isPortFree, processRunning } from '@leadflow/dev-services';
import { findInvariantViolations, type RunningProcess, startProcess, waitFor } from '@leadflow/testing';
import { DEVELOPMENT_INTAKE_KEY } from '../config';
import { formatPrefix } from '../console-output';
import { RetryingSenders, type SendTally } from './retrying-senders';

const ROOT = path.resolve(__dirname, '..', '..', '..');
const READY_AGAIN_WITHIN_MS = 10_000;
const SENDERS = 8;
/** Leads acknowledged before the kill, so that it lands in the middle of the load. */
const LEADS_BEFORE_KILL = 100;
/** Leads acknowledged once every app is ready again, before the load ends. */
const LEADS_AFTER_RECOVERY = 50;

type Server = 'nats' | 'postgres';

/** The line a server prints each time it answers, with its port and pid. */
const LISTENING: Record<Server, RegExp> = {
  nats: /nats-server with JetStream listening on nats:\/\/127\.0\.0\.1:(\d+) \(pid (\d+)/g,
  postgres: /embedded PostgreSQL listening on 127\.0\.0\.1:(\d+) \(pid (\d+)/g,
};

const runId = randomBytes(4).toString('hex');
const databaseName = `lf_launcher_${runId}`;
const buildDir = path.join(ROOT, '.data', 'launcher-test', `dist-${runId}`);
let dataDir: string | undefined;
let firstHttpPort = 0;
let launcher: RunningProcess | undefined;
const killLauncher = (): void => launcher?.kill('SIGKILL');

beforeAll(async () => {
  dataDir = await mkdtemp(path.join(os.tmpdir(), 'leadflow-launcher-'));
  // Run as root, the embedded PostgreSQL runs as `postgres`, which must reach its cluster here.
  await chmod(dataDir, 0o755);
  firstHttpPort = await freePortRange(SERVICE_NAMES.length);
  const nothingListens = await findFreePort();
  launcher = startProcess(path.join(ROOT, 'tools', 'launcher', 'main.ts'), {
    // Nothing answers there, so the launcher starts its own embedded PostgreSQL; with NATS_URL
    // empty, it runs its own nats-server with one user per app, as `npm start` does.
    DATABASE_URL: `postgres://postgres@127.0.0.1:${nothingListens}/${databaseName}`,
    NATS_URL: '',
    LEADFLOW_DATA_DIR: dataDir,
    LEADFLOW_BUILD_DIR: buildDir,
    LEADFLOW_FIRST_HTTP_PORT: String(firstHttpPort),
    NODE_ENV: 'development',
    LOG_LEVEL: 'warn',
    NO_COLOR: '1',
    // The senders go as fast as the platform answers; rate limits have their own tests.
    BOOTSTRAP_INTAKE_RATE_LIMIT: '100000',
  });
  // Should Jest exit without running afterAll, the launcher's own watchdog stops what it started.
  process.once('exit', killLauncher);
  await launcher.waitForOutput('all 5 apps ready in', 90_000);
}, 100_000);

afterAll(async () => {
  const leftovers = await stopLauncher();
  process.removeListener('exit', killLauncher);
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
  await rm(buildDir, { recursive: true, force: true });
  await rmdir(path.dirname(buildDir)).catch(() => undefined); // shared with a concurrent run: only when empty
  expect(leftovers).toEqual([]);
}, 60_000);

describe('the launcher restarting the servers it started', () => {
  it(
    'restarts its SIGKILLed nats-server on the same port and store: apps ready again within 10 s, no acknowledged lead lost',
    () => expectRecoveryFromKill('nats'),
    60_000,
  );

  it(
    'restarts its SIGKILLed embedded PostgreSQL on the same port and data: apps ready again within 10 s, no acknowledged lead lost',
    () => expectRecoveryFromKill('postgres'),
    60_000,
  );
});

/**
 * Runs one kill; a failure comes with what the launcher said of its servers (restarts, start-up
 * times) and its last lines, which say what the apps did.
 */
async function expectRecoveryFromKill(server: Server): Promise<void> {
  try {
    await killDuringIntake(server);
  } catch (error) {
    const lines = (launcher?.output() ?? '').trimEnd().split('\n');
    const launcherLines = lines.filter((line) => line.startsWith(formatPrefix('launcher', false))).slice(-30);
    if (error instanceof Error) {
      error.message +=
        `\n\nthe launcher's own last lines:\n${launcherLines.join('\n')}` + `\n\nits last output:\n${lines.slice(-40).join('\n')}`;
    }
    throw error;
  }
}

async function killDuringIntake(server: Server): Promise<void> {
  const before = listening(server);
  const senders = new RetryingSenders({
    url: `http://127.0.0.1:${firstHttpPort}/api/lead`,
    intakeKey: DEVELOPMENT_INTAKE_KEY,
    keyPrefix: `restart-${runId}-${server}`,
    finishWithinMs: 20_000,
  });
  senders.start(SENDERS);
  let acknowledgedBeforeKill: number;
  let recovery: Awaited<ReturnType<typeof waitForAppsReadyAgain>>;
  try {
    await waitFor(() => senders.tally.acknowledged.size >= LEADS_BEFORE_KILL, { timeoutMs: 20_000, what: 'intake under way' });
    const killedAt = Date.now();
    acknowledgedBeforeKill = senders.tally.acknowledged.size;
    process.kill(Number(before.pid), 'SIGKILL');
    recovery = await waitForAppsReadyAgain(server, before.pid, killedAt);
    const acknowledgedWhenReady = senders.tally.acknowledged.size;
    await waitFor(() => senders.tally.acknowledged.size >= acknowledgedWhenReady + LEADS_AFTER_RECOVERY, {
      timeoutMs: 20_000,
      what: 'intake after the restart',
    });
  } catch (error) {
    await senders.finish(0); // no sender outlives its test
    throw error;
  }
  const tally = await senders.finish();

  const after = listening(server);
  const lost = await findLost(listening('postgres').port, tally);
  report(server, { ...recovery, acknowledgedBeforeKill, tally, lost });

  expect(launcher?.output()).toMatch(
    new RegExp(`on port ${before.port} exited unexpectedly \\(signal SIGKILL\\) after [\\d.]+ s; restarting it in 1\\.0 s with the same`),
  );
  expect(after.port).toBe(before.port);
  expect(after.pid).not.toBe(before.pid);
  expect(recovery.readyAgainMs).toBeLessThanOrEqual(READY_AGAIN_WITHIN_MS);
  // Every sender got its lead acknowledged by retrying with its key; none was refused for good.
  expect(tally.refused).toEqual(new Map());
  expect(tally.unanswered).toEqual([]);
  expect(lost).toEqual({ notStored: [], storedUnderAnotherId: [], notCounted: [], invariantViolations: [] });
}

/** Polls every app's readiness from the kill on; done once the server is back (a new pid) and all answer 200. */
async function waitForAppsReadyAgain(server: Server, killedPid: string, killedAt: number) {
  let notReadySeenAtMs: number | undefined;
  const readyAgainMs = await waitFor(
    async () => {
      const statuses = await Promise.all(SERVICE_NAMES.map((_, index) => readiness(firstHttpPort + index)));
      const allReady = statuses.every((status) => status === 200);
      if (!allReady) notReadySeenAtMs ??= Date.now() - killedAt;
      return allReady && listening(server).pid !== killedPid && Date.now() - killedAt;
    },
    { timeoutMs: 30_000, intervalMs: 50, what: `every app ready again after the ${server} kill` },
  );
  return { readyAgainMs, notReadySeenAtMs };
}

/** What the database says about the acknowledged leads: each stored under its key's lead_id and counted by metrics. */
async function findLost(postgresPort: string, tally: SendTally) {
  const client = new Client({ connectionString: `postgres://postgres@127.0.0.1:${postgresPort}/${databaseName}` });
  await client.connect();
  try {
    const keys = [...tally.acknowledged.keys()];
    const stored = await client.query<{ key: string; id: string }>(
      `SELECT r."idempotency_key" AS "key", l."id"::text AS "id" FROM "ingestion"."raw_leads" r
       JOIN "ingestion"."leads" l ON l."id" = r."id" WHERE r."idempotency_key" = ANY($1::text[])`,
      [keys],
    );
    const storedIdOf = new Map(stored.rows.map((row) => [row.key, row.id]));
    const uncounted = async (): Promise<string[]> => {
      const leadIds = [...tally.acknowledged.values()];
      const counted = await client.query<{ lead_id: string }>(
        `SELECT "lead_id" FROM "metrics"."counted_lead_events" WHERE "event_type" = 'lead.ingested' AND "lead_id" = ANY($1::text[])`,
        [leadIds],
      );
      const countedIds = new Set(counted.rows.map((row) => row.lead_id));
      return leadIds.filter((id) => !countedIds.has(id));
    };
    // Metrics counts from JetStream, a moment after intake answered.
    await waitFor(async () => (await uncounted()).length === 0, { timeoutMs: 30_000, intervalMs: 250 }).catch(() => undefined);
    return {
      notStored: keys.filter((key) => !storedIdOf.has(key)),
      storedUnderAnotherId: keys.filter((key) => storedIdOf.has(key) && storedIdOf.get(key) !== tally.acknowledged.get(key)),
      notCounted: await uncounted(),
      invariantViolations: await findInvariantViolations(
        { query: async <T>(sql: string, params?: unknown[]) => (await client.query(sql, params)).rows as T[] },
        { drained: false },
      ),
    };
  } finally {
    await client.end();
  }
}

/** The port and pid of the server's latest start, from the launcher's output. */
function listening(server: Server): { port: string; pid: string } {
  const matches = [...(launcher?.output() ?? '').matchAll(LISTENING[server])];
  const last = matches.at(-1);
  if (!last?.[1] || !last[2]) throw new Error(`the launcher never said that its ${server} server listens`);
  return { port: last[1], pid: last[2] };
}

function readiness(port: number): Promise<number | string> {
  return new Promise((resolve) => {
    const request = get(`http://127.0.0.1:${port}${HEALTH_PATHS.ready}`, { agent: false, timeout: 2000 }, (response) => {
      response.resume();
      resolve(response.statusCode ?? 'no status');
    });
    request.on('timeout', () => request.destroy(new Error('timeout')));
    request.on('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? error.message));
  });
}

/** A first port with the next `count - 1` free too, on every interface (the apps listen on all). */
async function freePortRange(count: number): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const first = await findFreePort(undefined, '0.0.0.0');
    const rest = await Promise.all(Array.from({ length: count - 1 }, (_, index) => isPortFree(first + index + 1, '0.0.0.0')));
    if (rest.every(Boolean)) return first;
  }
  throw new Error(`found no ${count} free consecutive ports`);
}

/**
 * Ctrl-C, as a developer stops the launcher, and a SIGKILL if it has not stopped within 40 s. Then
 * every process it started (servers and apps, by the pids it printed) must be gone; any still
 * running is killed and returned.
 */
async function stopLauncher(): Promise<string[]> {
  if (!launcher) return [];
  const running = launcher;
  running.kill('SIGINT');
  let timer: NodeJS.Timeout | undefined;
  const stopped = await Promise.race([
    running.exited.then(() => true),
    new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), 40_000))),
  ]);
  clearTimeout(timer);
  if (!stopped) {
    running.kill('SIGKILL');
    await running.exited;
  }
  const pids = [...running.output().matchAll(/\(pid (\d+)/g)].map((match) => Number(match[1]));
  const leftovers: string[] = [];
  const stillRunning = async () => (await Promise.all(pids.map(async (pid) => ((await processRunning(pid)) ? [pid] : [])))).flat();
  await waitFor(async () => (await stillRunning()).length === 0, { timeoutMs: 10_000 }).catch(() => undefined);
  for (const pid of await stillRunning()) {
    leftovers.push(String(pid));
    process.kill(pid, 'SIGKILL');
  }
  return leftovers;
}

function report(
  server: Server,
  result: {
    readyAgainMs: number;
    notReadySeenAtMs: number | undefined;
    acknowledgedBeforeKill: number;
    tally: SendTally;
    lost: Awaited<ReturnType<typeof findLost>>;
  },
): void {
  const { tally, lost } = result;
  process.stdout.write(
    `${server} SIGKILL: apps ready again ${(result.readyAgainMs / 1000).toFixed(2)} s after the kill ` +
      `(first not ready at ${result.notReadySeenAtMs === undefined ? 'never' : `${(result.notReadySeenAtMs / 1000).toFixed(2)} s`}); ` +
      `sends ${tally.sends}, retries ${tally.retries}, acknowledged ${tally.acknowledged.size} (${result.acknowledgedBeforeKill} before the kill), ` +
      `answers ${JSON.stringify(tally.answers)}, refused ${tally.refused.size}, unanswered ${tally.unanswered.length}, ` +
      `lost ${lost.notStored.length + lost.storedUnderAnotherId.length}, not counted ${lost.notCounted.length}, ` +
      `invariant violations ${lost.invariantViolations.length}\n`,
  );
}
