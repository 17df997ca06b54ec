/**
 * `npm run bench -- --events`: activity events through the whole platform, next to the bare
 * baseline's lead requests in the same run. Sends `POST /api/v1/events/batch` with 100 events per
 * request (event-sequence.ts: identified and anonymous visitors, identify calls that merge some),
 * paced at the baseline's rate and then flat out (`benchEvents`), and after each load waits until
 * the pipeline has applied every acknowledged event: attributed by contacts,
 * scored by scoring and counted by metrics. Drained is when ingestion stored every acknowledged
 * event, every app's outbox is empty (a row stays only until published) and no durable consumer of
 * the run's streams has a message left undelivered or unacknowledged (a consumer acknowledges after
 * the events are committed). CPU is read from /proc over the load and the drain
 * together, and divided by the events acknowledged.
 */
import autocannon from 'autocannon';
import { mkdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Pool } from 'pg';
import type { LogSummary } from './app-process';
import { type CpuUsage, CpuMeter } from './cpu-usage';
import { EVENTS_PER_BATCH, EventSequence } from './event-sequence';
import { describeInFlight, type InFlight, readInFlight } from './in-flight';
import { type PlatformBenchRun, startBenchPlatform } from './bench-platform';
import { closingLines, cpuLines } from './report-lines';

export const EVENTS_PATH = '/api/v1/events/batch';
/** The issue's targets: events/s at least 1.0 × the baseline's requests/s, no errors, drained within 10 s. */
export const EVENT_TARGETS = { minRatio: 1.0, maxDrainS: 10 } as const;
/**
 * The paced load asks for this much more than the target's rate: autocannon sends each second's
 * requests at its start, and the load's first and last partial seconds pull the average a little
 * under the rate asked.
 */
const PACED_MARGIN = 1.02;
const DRAIN_POLL_MS = 250;
const DRAIN_PROGRESS_EVERY_MS = 5000;

export interface EventsBenchRun extends PlatformBenchRun {
  options: {
    durationS: number;
    connections: number;
    warmupS: number;
    drainTimeoutS: number;
    profileDir: string | undefined;
    /** The paced phase's events/s instead of the baseline's requests/s. */
    eventRate: number | undefined;
  };
}

export interface EventsLoad {
  durationS: number;
  requests: number;
  requestsPerSecond: number;
  /** Events in 202 answers. */
  acknowledged: number;
  eventsPerSecond: number;
  latencyP50Ms: number;
  latencyP99Ms: number;
  non2xx: number;
  errors: number;
  statusCodes: Record<string, number>;
  finishedAt: string;
}

/** The flow of events through the pipeline: what is in flight, and what ingestion stored. */
export interface PipelineCounts extends InFlight {
  /**
   * Events ingestion stored, counted once nothing is pending (a count of the table costs the
   * database more than the rest of the poll, and would compete with the pipeline while it drains).
   */
  stored: number | null;
}

export interface EventsBenchReport {
  runId: string;
  baselineRequestsPerSecond: number | null;
  warmup: EventsLoad | null;
  /** The judged phase: sent at the target's rate. */
  paced: EventsPhase | null;
  /** Sent as fast as the platform answers: intake's capacity, and the pipeline's when it falls behind. */
  flatOut: EventsPhase | null;
  /** Events in ingestion at the end, and events acknowledged over the whole run. */
  stored: number;
  acknowledged: number;
  crashes: string[];
  /** Each app's warnings and errors over the run (a failed batch retried, a redelivery, …). */
  logs: Record<string, LogSummary>;
  loadAverage: { start: number; end: number };
  checks: Array<{ name: string; pass: boolean; detail: string }>;
  verdict: 'PASS' | 'FAIL' | 'NOT JUDGED';
}

/** Where the pipeline stands: what is in flight (see `readInFlight`), and the events ingestion stored once nothing is. */
export async function pipelineCounts(db: Pool, natsUrl: string, namespace: string): Promise<PipelineCounts> {
  const inFlight = await readInFlight(db, natsUrl, namespace);
  return { ...inFlight, stored: inFlight.pending === 0 ? await storedEvents(db) : null };
}

async function storedEvents(db: Pool): Promise<number> {
  const { rows } = await db.query<{ n: number }>(`SELECT count(*)::int AS "n" FROM "ingestion"."activities"`);
  return rows[0]?.n ?? 0;
}

function runEventsLoad(
  baseUrl: string,
  apiKey: string,
  sequence: EventSequence,
  durationS: number,
  connections: number,
  /** Requests per second of all connections together; flat out without. */
  overallRate: number | undefined,
  signal: AbortSignal,
) {
  return new Promise<EventsLoad>((resolve, reject) => {
    let acknowledged = 0;
    const instance = autocannon(
      {
        url: baseUrl,
        connections,
        duration: durationS,
        ...(overallRate === undefined ? {} : { overallRate }),
        requests: [
          {
            method: 'POST',
            path: EVENTS_PATH,
            setupRequest: (request) => ({
              ...request,
              headers: { 'content-type': 'application/json', 'x-api-key': apiKey },
              body: sequence.take().body,
            }),
            onResponse: (status) => {
              if (status === 202) acknowledged += EVENTS_PER_BATCH;
            },
          },
        ],
      },
      (error: unknown, result: autocannon.Result) => {
        signal.removeEventListener('abort', stop);
        if (error) return reject(error instanceof Error ? error : new Error(String(error)));
        const statusCodes = Object.fromEntries(Object.entries(result.statusCodeStats ?? {}).map(([code, stat]) => [code, stat.count ?? 0]));
        resolve({
          durationS: result.duration,
          requests: result.requests.total,
          requestsPerSecond: result.requests.average,
          acknowledged,
          eventsPerSecond: acknowledged / result.duration,
          latencyP50Ms: result.latency.p50,
          latencyP99Ms: result.latency.p99,
          non2xx: result.non2xx,
          errors: result.errors,
          statusCodes,
          finishedAt: result.finish.toISOString(),
        });
      },
    );
    const stop = (): void => instance.stop();
    signal.addEventListener('abort', stop, { once: true });
  });
}

/** A server tracker's key (scope `events`) with the highest rate limit a key may have, made through the admin API. */
async function createEventsKey(baseUrl: string, adminKey: string): Promise<string> {
  const response = await fetch(`${baseUrl}/api/v1/workspaces/default/api-keys`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${adminKey}` },
    body: JSON.stringify({ name: 'bench-tracker', scopes: ['events'], rateLimitPerSecond: 100_000, rateLimitBurst: 200_000 }),
    signal: AbortSignal.timeout(10_000),
  });
  const text = await response.text();
  if (response.status !== 201) throw new Error(`creating an events key answered ${response.status} ${text.slice(0, 300)}`);
  return (JSON.parse(text) as { key: string }).key;
}

/** One batch, insisting on a 202 with every item accepted: a platform that cannot take events fails in a second. */
async function probe(baseUrl: string, apiKey: string, sequence: EventSequence): Promise<number> {
  const batch = sequence.take();
  const response = await fetch(`${baseUrl}${EVENTS_PATH}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-api-key': apiKey },
    body: batch.body,
    signal: AbortSignal.timeout(10_000),
  });
  const text = await response.text();
  if (response.status !== 202) throw new Error(`POST ${EVENTS_PATH} answered ${response.status} ${text.slice(0, 300)}`);
  const results = (JSON.parse(text) as { results?: Array<{ status: string }> }).results ?? [];
  const refused = results.filter((r) => r.status !== 'accepted');
  if (refused.length > 0) throw new Error(`POST ${EVENTS_PATH} refused ${refused.length} of ${batch.events} events: ${text.slice(0, 300)}`);
  return batch.events;
}

/** One load of events followed by the wait for the pipeline to drain. */
export interface EventsPhase {
  /** `paced`: at most `eventsPerSecondAsked`, the target's rate; `flat out`: as fast as the platform answers. */
  mode: 'paced' | 'flat out';
  eventsPerSecondAsked: number | null;
  load: EventsLoad;
  drainedAfterS: number | null;
  /** Events of the load over the time from its start until the pipeline drained: what the pipeline carried through per second. */
  pipelineEventsPerSecond: number | null;
  pipeline: PipelineCounts;
  /** Over the load and the drain. */
  cpu: CpuUsage | null;
  cpuMsPerEvent: number | null;
}

/**
 * The judged phase sends at the target's rate (the baseline's requests/s as events/s, 2 % over and
 * rounded up to whole requests of 100 events), so that the drain says whether the pipeline keeps up with it; a
 * second phase then sends flat out, for what intake alone can take and what the pipeline carries
 * through per second when it cannot keep up. Without a baseline (or with `--event-rate`) the paced
 * rate is the one given, and without either only the flat-out phase runs.
 */
export async function benchEvents(
  run: EventsBenchRun,
  baselineRequestsPerSecond: number | null,
  log: (line: string) => void,
): Promise<EventsBenchReport> {
  const { options, signal } = run;
  const { platform, processes: groups } = await startBenchPlatform(run, log, 'events');
  const eventsKey = await createEventsKey(platform.baseUrl, run.adminKey);
  const loadAtStart = os.loadavg()[0];
  const sequence = new EventSequence(run.runId);
  let acknowledged = await probe(platform.baseUrl, eventsKey, sequence);
  const pacedRate =
    options.eventRate ?? (baselineRequestsPerSecond === null ? null : baselineRequestsPerSecond * EVENT_TARGETS.minRatio * PACED_MARGIN);
  const requestsPerSecond = (eventsPerSecond: number | null): number | undefined =>
    eventsPerSecond === null ? undefined : Math.max(1, Math.ceil(eventsPerSecond / EVENTS_PER_BATCH));
  let warmup: EventsLoad | null = null;
  if (options.warmupS > 0) {
    log(`events: warming up for ${options.warmupS} s`);
    warmup = await runEventsLoad(
      platform.baseUrl,
      eventsKey,
      sequence,
      options.warmupS,
      options.connections,
      requestsPerSecond(pacedRate),
      signal,
    );
    acknowledged += warmup.acknowledged;
    // The warm-up's events drain before the measurement, so that the drain time is the measured load's.
    await waitUntilDrained(run, acknowledged, Date.now() + options.drainTimeoutS * 1000, signal);
  }
  const runPhase = async (mode: EventsPhase['mode'], eventsPerSecond: number | null): Promise<EventsPhase> => {
    const rate = requestsPerSecond(eventsPerSecond);
    log(
      `events: measuring ${mode}${rate === undefined ? '' : ` at ${rate * EVENTS_PER_BATCH} events/s`} for ${options.durationS} s ` +
        `with ${options.connections} connections, ${EVENTS_PER_BATCH} events per request`,
    );
    const meter = await CpuMeter.start(groups);
    const load = await runEventsLoad(platform.baseUrl, eventsKey, sequence, options.durationS, options.connections, rate, signal);
    acknowledged += load.acknowledged;
    log(
      `events: ${load.eventsPerSecond.toFixed(0)} events/s (${load.requestsPerSecond.toFixed(0)} req/s), p50 ${load.latencyP50Ms} ms, ` +
        `p99 ${load.latencyP99Ms} ms, ${load.non2xx} non-2xx, ${load.errors} errors; waiting for the pipeline to drain`,
    );
    const loadEndedAt = Date.parse(load.finishedAt);
    let lastProgress = Date.now();
    const drain = await waitUntilDrained(run, acknowledged, loadEndedAt + options.drainTimeoutS * 1000, signal, (counts) => {
      if (Date.now() - lastProgress < DRAIN_PROGRESS_EVERY_MS) return;
      lastProgress = Date.now();
      log(
        `events: ${counts.outboxRows} events in outboxes and ${counts.messages} messages (packs of events) unacknowledged: ${describeInFlight(counts)}`,
      );
    });
    const drainedAfterS = drain.drainedAt === null ? null : Math.max(0, (drain.drainedAt - loadEndedAt) / 1000);
    const cpu = (await meter?.stop()) ?? null;
    return {
      mode,
      eventsPerSecondAsked: rate === undefined ? null : rate * EVENTS_PER_BATCH,
      load,
      drainedAfterS,
      pipelineEventsPerSecond: drainedAfterS === null ? null : load.acknowledged / (load.durationS + drainedAfterS),
      pipeline: drain.counts,
      cpu,
      cpuMsPerEvent: cpu && load.acknowledged > 0 ? cpu.machineMs / load.acknowledged : null,
    };
  };
  const paced = pacedRate === null ? null : await runPhase('paced', pacedRate);
  const flatOut = signal.aborted ? null : await runPhase('flat out', null);
  const crashes = platform.crashes();
  // Read before the stop, whose own shutdown messages are not the bench's business.
  const logs = platform.logSummaries();
  const stored = await storedEvents(run.db);
  await platform.stop();

  const phases = [warmup, paced?.load, flatOut?.load].filter((load): load is EventsLoad => load !== null && load !== undefined);
  const errors = phases.reduce((sum, load) => sum + load.non2xx + load.errors, 0);
  const judged = paced ?? flatOut;
  const checks = [
    {
      name: 'events/s against the baseline’s requests/s',
      pass:
        baselineRequestsPerSecond !== null &&
        paced !== null &&
        paced.load.eventsPerSecond >= EVENT_TARGETS.minRatio * baselineRequestsPerSecond,
      detail:
        baselineRequestsPerSecond === null || paced === null
          ? 'no baseline in this run'
          : `${paced.load.eventsPerSecond.toFixed(0)} events/s vs ${baselineRequestsPerSecond.toFixed(0)} req/s: ` +
            `${(paced.load.eventsPerSecond / baselineRequestsPerSecond).toFixed(2)} × (target ≥ ${EVENT_TARGETS.minRatio} ×)`,
    },
    { name: 'no errors', pass: errors === 0 && crashes.length === 0, detail: `${errors} failed requests, ${crashes.length} crashed apps` },
    {
      name: `drained after the ${judged?.mode ?? ''} load`,
      pass: judged !== null && judged.drainedAfterS !== null && judged.drainedAfterS <= EVENT_TARGETS.maxDrainS,
      detail:
        judged === null
          ? 'no load ran'
          : judged.drainedAfterS === null
            ? `not drained within ${options.drainTimeoutS} s: ${judged.pipeline.outboxRows} events in outboxes, ${judged.pipeline.messages} messages unacknowledged`
            : `${judged.drainedAfterS.toFixed(1)} s after the load (target ≤ ${EVENT_TARGETS.maxDrainS} s)`,
    },
    {
      name: 'every acknowledged event stored',
      pass: stored >= acknowledged,
      detail: `${stored} stored of ${acknowledged} acknowledged`,
    },
  ];
  return {
    runId: run.runId,
    baselineRequestsPerSecond,
    warmup,
    paced,
    flatOut,
    stored,
    acknowledged,
    crashes,
    logs,
    loadAverage: { start: Number(loadAtStart.toFixed(2)), end: Number(os.loadavg()[0].toFixed(2)) },
    checks,
    verdict: baselineRequestsPerSecond === null || paced === null ? 'NOT JUDGED' : checks.every((c) => c.pass) ? 'PASS' : 'FAIL',
  };
}

/** Polls the pipeline until every acknowledged event is stored and nothing is pending; the time it was, or null. */
async function waitUntilDrained(
  run: Pick<EventsBenchRun, 'db' | 'natsUrl' | 'runId'>,
  acknowledged: number,
  deadline: number,
  signal: AbortSignal,
  onPoll?: (counts: PipelineCounts) => void,
): Promise<{ drainedAt: number | null; counts: PipelineCounts }> {
  let counts: PipelineCounts = { stored: null, pending: Number.NaN, outboxRows: Number.NaN, messages: Number.NaN, detail: {} };
  while (!signal.aborted) {
    counts = await pipelineCounts(run.db, run.natsUrl, `bench${run.runId}`);
    if (counts.stored !== null && counts.stored >= acknowledged) return { drainedAt: Date.now(), counts };
    onPoll?.(counts);
    if (Date.now() >= deadline) break;
    await new Promise((resolve) => setTimeout(resolve, DRAIN_POLL_MS));
  }
  return { drainedAt: null, counts };
}

export function renderEventsReport(report: EventsBenchReport): string {
  const phase = (p: EventsPhase | null): string[] => {
    if (!p) return [];
    const m = p.load;
    return [
      `  ${p.mode}${p.eventsPerSecondAsked === null ? '' : ` at ${p.eventsPerSecondAsked} events/s`}`,
      `    acknowledged    ${m.eventsPerSecond.toFixed(0)} events/s (${m.requestsPerSecond.toFixed(0)} req/s, p50 ${m.latencyP50Ms} ms, p99 ${m.latencyP99Ms} ms) over ${m.durationS} s`,
      `    statuses        ${JSON.stringify(m.statusCodes)}, ${m.errors} connection errors`,
      `    drain           ${p.drainedAfterS === null ? 'NOT DRAINED' : `${p.drainedAfterS.toFixed(1)} s after the load`}`,
      `    through         ${p.pipelineEventsPerSecond === null ? 'n/a' : `${p.pipelineEventsPerSecond.toFixed(0)} events/s (the load's events over the time from its start until drained)`}`,
      `    CPU per event   ${p.cpuMsPerEvent === null ? 'n/a' : `${p.cpuMsPerEvent.toFixed(3)} ms (whole machine, load and drain)`}`,
      ...cpuLines(p.cpu, m.acknowledged, 'event').map((line) => `  ${line}`),
    ];
  };
  return [
    '',
    `Activity events: ${EVENTS_PER_BATCH} events per POST ${EVENTS_PATH}`,
    `  baseline        ${report.baselineRequestsPerSecond === null ? 'not run' : `${report.baselineRequestsPerSecond.toFixed(0)} req/s`}`,
    ...phase(report.paced),
    ...phase(report.flatOut),
    `  stored          ${report.stored} events of ${report.acknowledged} acknowledged`,
    ...closingLines(report),
  ].join('\n');
}

export async function writeEventsReport(report: EventsBenchReport, dir: string): Promise<string> {
  await mkdir(dir, { recursive: true });
  const file = path.join(dir, `events-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
  await writeFile(file, `${JSON.stringify(report, null, 2)}\n`);
  return file;
}
