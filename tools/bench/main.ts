/**
 * `npm run bench`: the platform's intake under load, next to a minimal Fastify + pg server.
 *
 *   npm run bench                                     15 s per target, 50 connections, 3 s warm-up
 *   npm run bench -- --duration 30 --connections 100  (or BENCH_DURATION, BENCH_CONNECTIONS, BENCH_WARMUP)
 *   npm run bench -- --only baseline                  one side only: no ratio, no verdict
 *   npm run bench -- --import                         one CSV import of 100,000 rows (100 MB) instead (import-bench.ts)
 *   npm run bench -- --events                         activity events, 100 per request, against the baseline (events-bench.ts)
 *   npm run bench -- --webhooks                       signed CRM webhooks, paced and flat out, against the baseline (webhooks-bench.ts)
 *   npm run bench -- --help
 *
 * Builds the apps into .data/bench/dist-<id> (its own copy: a build or a test run elsewhere in the
 * workspace neither breaks it nor is broken by it), creates database lf_bench_<id> and NATS
 * namespace bench<id>, drives the baseline (baseline-server.ts), then the five apps with the
 * same unique leads, then the baseline again (the machine's speed drifts: the platform is judged
 * against the mean of the two baselines around it), waits until the pipeline has caught up (drain.ts: every stored lead counted by
 * metrics, nothing left in any app's outbox or unacknowledged by its consumers), prints the report
 * (with the CPU one lead cost each process during the measured load, read from /proc on Linux),
 * writes it to .data/bench/<timestamp>.json and exits 1 when a target is missed (see TARGETS in
 * report.ts: CPU per lead, throughput and p99 against the baseline, zero errors, drain, memory). It removes everything it started or created, also on failure and
 * Ctrl-C. DATABASE_URL / NATS_URL pick the servers; when they do not answer, an embedded PostgreSQL
 * and a local nats-server under .data/bench.
 */
import { randomBytes } from 'node:crypto';
import { rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Pool } from 'pg';
import { SERVICE_NAMES, type ServiceName } from '@leadflow/contracts';
import {
  appRoleName,
  dropDatabase,
  dropRoles,
  ensureDatabase,
  ensureNats,
  ensurePostgres,
  findFreePort,
  provisionAppRoles,
  redactUrl,
  signalGuardedChildren,
  urlAsRole,
  withDatabase,
} from '@leadflow/dev-services';
import { buildWorkspace } from '../build';
import { AppProcess } from './app-process';
import { BASELINE_SCHEMA } from './baseline-server';
import { CleanupStack } from './cleanup-stack';
import { CpuMeter, natsServerPids, postgresGroups, type ProcessGroups } from './cpu-usage';
import { waitForDrain } from './drain';
import { describeInFlight, readInFlight } from './in-flight';
import { LeadSequence } from './lead-sequence';
import { residentMemory } from './memory';
import { type LoadResult, runLoad } from './load';
import { type BenchOptions, parseBenchOptions, USAGE } from './options';
import { benchImport, renderImportReport } from './import-bench';
import { benchEvents, renderEventsReport, writeEventsReport } from './events-bench';
import { benchWebhooks, renderWebhooksReport, writeWebhooksReport } from './webhooks-bench';
import { deleteNamespaceStreams, PlatformTarget } from './platform-target';
import { readDatabaseWrites, untilConnectionsGone, writesBetween } from './database-writes';
import { gcBetween, type GcCounts, readGcCounts } from './garbage-collection';
import { type BenchReport, judge, type PlatformRun, renderReport, type TargetRun, writeReport } from './report';

const ROOT = path.resolve(__dirname, '..', '..');
const DATA_DIR = path.join(ROOT, '.data', 'bench');
const DEFAULT_DATABASE_URL = 'postgres://postgres@127.0.0.1:5432/postgres';
const DEFAULT_NATS_URL = 'nats://127.0.0.1:4222';
/** The platform's default DATABASE_POOL_SIZE: the baseline gets as many connections as ingestion. */
const BASELINE_POOL_SIZE = 10;
const BASELINE_READY_TIMEOUT_MS = 30_000;
const DRAIN_PROGRESS_EVERY_MS = 5000;

interface BenchRun {
  options: BenchOptions;
  runId: string;
  cleanup: CleanupStack;
  signal: AbortSignal;
  adminUrl: string;
  /** The baseline's (and the counting connection's): the superuser's. */
  databaseUrl: string;
  /** Each app's, as its own role. */
  appDatabaseUrls: Record<ServiceName, string>;
  natsUrl: string;
  distDir: string;
  /** One connection to the bench database, for counting what the targets stored. */
  db: Pool;
  /** This run's database, lf_bench_<runId>. */
  database: string;
  /** The role the baseline and the counting connection sign in as. */
  superuser: string;
  /** The platform's bootstrap keys for this run; every request carries the intake key. */
  intakeKey: string;
  adminKey: string;
}

function log(line: string): void {
  process.stdout.write(`bench | ${line}\n`);
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Builds, finds or starts PostgreSQL and NATS, and creates this run's database. */
async function prepare(options: BenchOptions, cleanup: CleanupStack, signal: AbortSignal): Promise<BenchRun> {
  const runId = randomBytes(4).toString('hex');
  const distDir = path.join(DATA_DIR, `dist-${runId}`);
  cleanup.add(`remove ${path.relative(ROOT, distDir)}`, () => rm(distDir, { recursive: true, force: true }));
  const [postgres, nats] = await Promise.all([
    ensurePostgres({ url: withDatabase(process.env.DATABASE_URL || DEFAULT_DATABASE_URL, 'postgres'), dataDir: DATA_DIR, log }),
    ensureNats({ url: process.env.NATS_URL || DEFAULT_NATS_URL, dataDir: DATA_DIR, log }),
    buildWorkspace(distDir).then(({ files, ms }) => log(`built ${files} files into ${path.relative(ROOT, distDir)} in ${ms} ms`)),
  ]);
  cleanup.add('stop PostgreSQL', () => postgres.stop());
  cleanup.add('stop NATS', () => nats.stop());

  const database = `lf_bench_${runId}`;
  const databaseUrl = await ensureDatabase(postgres.url, database);
  // The apps sign in as their own roles, as deployed.
  const roles = SERVICE_NAMES.map((service) => ({
    service,
    role: appRoleName(database, service),
    password: randomBytes(12).toString('hex'),
  }));
  // Clean-up runs last-in first-out: the database goes first, then the roles that owned its schemas.
  cleanup.add('drop the apps’ roles', () =>
    dropRoles(
      postgres.url,
      roles.map(({ role }) => role),
    ),
  );
  cleanup.add(`drop database ${database}`, () => dropDatabase(postgres.url, database));
  await provisionAppRoles(
    postgres.url,
    database,
    roles.map(({ service, role, password }) => ({ role, schema: service, password: { literal: password } })),
  );
  const appDatabaseUrls = Object.fromEntries(
    roles.map(({ service, role, password }) => [service, urlAsRole(databaseUrl, role, password)]),
  ) as Record<ServiceName, string>;
  const db = new Pool({ connectionString: databaseUrl, max: 1 });
  cleanup.add('close the counting connection', () => db.end());
  log(`run ${runId}: database ${database} on ${redactUrl(postgres.url)}, NATS namespace bench${runId} on ${redactUrl(nats.url)}`);
  return {
    options,
    runId,
    cleanup,
    signal,
    adminUrl: postgres.url,
    databaseUrl,
    appDatabaseUrls,
    natsUrl: nats.url,
    distDir,
    db,
    database,
    superuser: decodeURIComponent(new URL(databaseUrl).username) || 'postgres',
    intakeKey: `lf_test_bench-intake-${randomBytes(12).toString('hex')}`,
    adminKey: `lf_test_bench-admin-${randomBytes(12).toString('hex')}`,
  };
}

async function countRows(run: BenchRun, table: string): Promise<number> {
  const { rows } = await run.db.query<{ count: number }>(`SELECT count(*)::int AS count FROM ${table}`);
  return rows[0]?.count ?? 0;
}

/** Sends one lead and insists on a 201, so that a target that cannot take leads fails in a second, not after the load. */
async function probeIntake(name: string, baseUrl: string, leads: LeadSequence, apiKey: string): Promise<void> {
  const lead = leads.take();
  const response = await fetch(`${baseUrl}/api/lead`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'idempotency-key': lead.idempotencyKey, 'x-api-key': apiKey },
    body: lead.body,
    signal: AbortSignal.timeout(10_000),
  });
  const body = await response.text();
  if (response.status !== 201) throw new Error(`${name}: POST /api/lead answered ${response.status} ${body.slice(0, 300)}`);
}

/** The processes whose CPU time the bench reads around a target: `own`, PostgreSQL's and the load generator. */
function cpuGroups(run: BenchRun, own: ProcessGroups, roleLabel: (role: string) => string | undefined): () => Promise<ProcessGroups> {
  return async () => {
    const groups = new Map(own);
    for (const [name, pids] of await postgresGroups(run.db, run.database, roleLabel)) groups.set(name, pids);
    groups.set('load generator', [process.pid]);
    return groups;
  };
}

/** The probe lead, the warm-up and the measured load, with one line of progress each. */
async function drive(
  name: string,
  baseUrl: string,
  run: BenchRun,
  leads: LeadSequence,
  processes: () => Promise<ProcessGroups>,
  readGc?: () => Promise<Map<string, GcCounts>>,
): Promise<Omit<TargetRun, 'stored' | 'writes'> & { gc: Record<string, GcCounts> | null }> {
  const { options, signal } = run;
  await probeIntake(name, baseUrl, leads, run.intakeKey);
  let warmup: LoadResult | null = null;
  if (options.warmupS > 0) {
    log(`${name}: warming up for ${options.warmupS} s`);
    warmup = await runLoad({ baseUrl, connections: options.connections, durationS: options.warmupS, leads, apiKey: run.intakeKey, signal });
    signal.throwIfAborted();
  }
  log(`${name}: measuring for ${options.durationS} s with ${options.connections} connections`);
  // A scrape that fails costs the report its garbage collection lines, not the run.
  const readGcOrSay = (): Promise<Map<string, GcCounts> | undefined> =>
    readGc
      ? readGc().catch((error: unknown) => {
          log(`${name}: garbage collection not read (${error instanceof Error ? error.message : String(error)})`);
          return undefined;
        })
      : Promise.resolve(undefined);
  const gcBefore = await readGcOrSay();
  const meter = await CpuMeter.start(processes);
  const measured = await runLoad({
    baseUrl,
    connections: options.connections,
    durationS: options.durationS,
    leads,
    apiKey: run.intakeKey,
    signal,
  });
  const cpu = (await meter?.stop()) ?? null;
  const gcAfter = gcBefore && (await readGcOrSay());
  const gc = gcBefore && gcAfter ? gcBetween(gcBefore, gcAfter) : null;
  signal.throwIfAborted();
  log(
    `${name}: ${measured.requestsPerSecond.toFixed(0)} req/s, p50 ${measured.latencyP50Ms} ms, p99 ${measured.latencyP99Ms} ms, ` +
      `${measured.accepted} × 201, ${measured.non2xx} non-2xx, ${measured.errors} errors`,
  );
  return { warmup, measured, cpu, gc };
}

/** 201 answers of a target, the probe lead included. */
function acceptedLeads(result: Omit<TargetRun, 'stored' | 'writes'>): number {
  return 1 + (result.warmup?.accepted ?? 0) + result.measured.accepted;
}

/**
 * Lets PostgreSQL finish what the previous target left it (autovacuum of the rows it wrote, dirty
 * buffers to write out) before the next target is measured, so that neither side pays for the
 * other's writes.
 */
async function settle(run: BenchRun): Promise<void> {
  await run.db.query('VACUUM (ANALYZE)');
  // CHECKPOINT needs a superuser or pg_checkpoint; without them the run goes on, and says so.
  await run.db.query('CHECKPOINT').catch((error: unknown) => log(`no CHECKPOINT before the next target: ${errorMessage(error)}`));
}

/**
 * One baseline run. `leads` carries on where the previous baseline run of this bench stopped, so
 * that a second run stores new leads only; `label` names it in the progress lines.
 */
async function benchBaseline(run: BenchRun, leads: LeadSequence, label = 'baseline'): Promise<TargetRun> {
  run.signal.throwIfAborted();
  await settle(run);
  const writesBefore = await readDatabaseWrites(run.db, [BASELINE_SCHEMA]);
  const port = await findFreePort();
  const server = AppProcess.start({
    name: 'baseline',
    args: [path.join(ROOT, 'tools', 'run-ts.js'), path.join(__dirname, 'baseline-server.ts')],
    cwd: ROOT,
    env: {
      ...process.env,
      DATABASE_URL: run.databaseUrl,
      HTTP_PORT: String(port),
      HTTP_HOST: '127.0.0.1',
      BASELINE_POOL_SIZE: String(BASELINE_POOL_SIZE),
    },
    port,
  });
  run.cleanup.add('stop the baseline', () => server.stop());
  await server.waitUntilReady(BASELINE_READY_TIMEOUT_MS);
  // The server creates its table at its start; a second run finds the first's leads in it.
  const storedBefore = await countRows(run, `${BASELINE_SCHEMA}.leads`);
  const processes = cpuGroups(run, new Map([['baseline server', server.pid === undefined ? [] : [server.pid]]]), (role) =>
    role === run.superuser ? 'baseline' : undefined,
  );
  const { gc: _, ...result } = await drive(label, server.url(''), run, leads, processes);
  if (server.crash) throw new Error(`${server.crash}; its last output:\n${server.lastOutput}`);
  // Stopped before the next target starts: the two never share the CPUs.
  await server.stop();
  await untilConnectionsGone(run.db, run.database, [run.superuser]);
  const writes = writesBetween(writesBefore, await readDatabaseWrites(run.db, [BASELINE_SCHEMA]));
  return { ...result, stored: (await countRows(run, `${BASELINE_SCHEMA}.leads`)) - storedBefore, writes };
}

async function benchPlatform(run: BenchRun): Promise<PlatformRun> {
  run.signal.throwIfAborted();
  await settle(run);
  const namespace = `bench${run.runId}`;
  const writesBefore = await readDatabaseWrites(run.db, SERVICE_NAMES);
  run.cleanup.add(`delete the streams of ${namespace}`, () => deleteNamespaceStreams(run.natsUrl, namespace));
  log('platform: starting gateway, ingestion, contacts, scoring, metrics');
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
    (app) => run.cleanup.add(`stop ${app.name}`, () => app.stop()),
  );
  const roles = new Map(SERVICE_NAMES.map((service) => [appRoleName(run.database, service), service]));
  const own: ProcessGroups = new Map([...platform.pids()].map(([service, pid]) => [service, [pid]]));
  own.set('nats-server', await natsServerPids());
  const processes = cpuGroups(run, own, (role) => roles.get(role));
  const urls = platform.urls();
  const result = await drive('platform', platform.baseUrl, run, new LeadSequence(run.runId), processes, () => readGcCounts(urls));
  log(`platform: waiting for every lead to be counted and nothing to be left in flight (up to ${run.options.drainTimeoutS} s)`);
  let lastProgress = Date.now();
  const drain = await waitForDrain({
    accepted: acceptedLeads(result),
    loadEndedAt: Date.parse(result.measured.finishedAt),
    timeoutMs: run.options.drainTimeoutS * 1000,
    probe: {
      stored: () => countRows(run, 'ingestion.raw_leads'),
      inFlight: () => readInFlight(run.db, run.natsUrl, namespace),
      counted: () => platform.leadCounts(),
    },
    signal: run.signal,
    onPoll: (stored, counts, inFlight) => {
      if (Date.now() - lastProgress < DRAIN_PROGRESS_EVERY_MS) return;
      lastProgress = Date.now();
      log(`platform: ${counts.leads} of ${stored} stored leads counted so far; in flight: ${describeInFlight(inFlight) || 'nothing'}`);
    },
  });
  // Read before the stop, whose own shutdown messages are not the bench's business.
  const crashes = platform.crashes();
  const logs = platform.logSummaries();
  const memoryMiB = await residentMemory(platform.pids());
  await platform.stop();
  // Read once the apps' connections are gone: their backends hand in their counts as they exit.
  await untilConnectionsGone(run.db, run.database, [...roles.keys()]);
  const writes = writesBetween(writesBefore, await readDatabaseWrites(run.db, SERVICE_NAMES));
  return { ...result, stored: drain.stored, writes, drain, crashes, logs, memoryMiB };
}

async function benchAll(run: BenchRun): Promise<BenchReport> {
  const startedAt = new Date().toISOString();
  // Other work on the machine shares its CPUs with both targets: the report says how busy it was.
  const loadAverageAtStart = Number(os.loadavg()[0].toFixed(2));
  const { options } = run;
  const baselineLeads = new LeadSequence(run.runId);
  const baseline = options.only === 'platform' ? null : await benchBaseline(run, baselineLeads);
  const platform = options.only === 'baseline' ? null : await benchPlatform(run);
  // The machine's speed drifts within a run; a baseline on each side of the platform brackets it.
  const baselineAfter = baseline && platform ? await benchBaseline(run, baselineLeads, 'baseline 2') : null;
  return judge({
    runId: run.runId,
    startedAt,
    finishedAt: new Date().toISOString(),
    settings: {
      durationS: options.durationS,
      connections: options.connections,
      warmupS: options.warmupS,
      drainTimeoutS: options.drainTimeoutS,
    },
    environment: {
      node: process.version,
      cpus: os.cpus().length,
      loadAverageAtStart,
      postgres: redactUrl(run.adminUrl),
      nats: redactUrl(run.natsUrl),
      database: run.database,
      namespace: `bench${run.runId}`,
    },
    baseline,
    platform,
    baselineAfter,
  });
}

async function main(): Promise<void> {
  let options: BenchOptions;
  try {
    options = parseBenchOptions(process.argv.slice(2), process.env);
  } catch (error) {
    process.stderr.write(`${errorMessage(error)}\n${USAGE}\n`);
    process.exit(2);
  }
  if (options.help) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }

  const cleanup = new CleanupStack(log);
  const interrupt = new AbortController();
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.on(signal, () => {
      if (interrupt.signal.aborted) {
        // Second Ctrl-C: no more waiting for graceful stops.
        signalGuardedChildren('SIGKILL');
        process.exit(130);
      }
      interrupt.abort();
      log(`${signal}: stopping and cleaning up (Ctrl-C again to kill everything at once)`);
      void cleanup.run().finally(() => process.exit(130));
    });
  }

  let exitCode = 1;
  try {
    const run = await prepare(options, cleanup, interrupt.signal);
    if (options.import) {
      const imported = await benchImport(run, log);
      process.stdout.write(renderImportReport(imported));
      exitCode = imported.verdict === 'FAIL' ? 1 : 0;
      return;
    }
    if (options.events) {
      const baseline = options.only === 'platform' ? null : await benchBaseline(run, new LeadSequence(run.runId));
      const events = await benchEvents(run, baseline ? baseline.measured.requestsPerSecond : null, log);
      if (interrupt.signal.aborted) return;
      process.stdout.write(renderEventsReport(events));
      log(`report written to ${path.relative(process.cwd(), await writeEventsReport(events, DATA_DIR))}`);
      exitCode = events.verdict === 'FAIL' ? 1 : 0;
      return;
    }
    if (options.webhooks) {
      const baseline = options.only === 'platform' ? null : await benchBaseline(run, new LeadSequence(run.runId));
      const webhooks = await benchWebhooks(
        run,
        baseline ? { requestsPerSecond: baseline.measured.requestsPerSecond, latencyP99Ms: baseline.measured.latencyP99Ms } : null,
        log,
      );
      if (interrupt.signal.aborted) return;
      process.stdout.write(renderWebhooksReport(webhooks));
      log(`report written to ${path.relative(process.cwd(), await writeWebhooksReport(webhooks, DATA_DIR))}`);
      exitCode = webhooks.verdict === 'FAIL' ? 1 : 0;
      return;
    }
    const report = await benchAll(run);
    if (interrupt.signal.aborted) return;
    process.stdout.write(renderReport(report));
    log(`report written to ${path.relative(process.cwd(), await writeReport(report, DATA_DIR))}`);
    exitCode = report.verdict === 'FAIL' ? 1 : 0;
  } catch (error) {
    if (!interrupt.signal.aborted) log(`failed: ${errorMessage(error)}`);
  } finally {
    if (!interrupt.signal.aborted) {
      await cleanup.run();
      process.exit(exitCode);
    }
  }
}

if (require.main === module) void main();
