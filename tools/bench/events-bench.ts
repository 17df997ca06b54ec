/**
 * `npm run bench -- --events`: activity events through the whole platform, next to the bare
 * baseline's lead requests in the same run. Sends `POST /api/v1/events/batch` with 100 events per
 * request (event-sequence.ts: identified and anonymous visitors, identify calls that merge some),
 * then waits until the pipeline has applied every acknowledged event: attributed by contacts,
 * scored by scoring and counted by metrics. Drained is when ingestion stored every acknowledged
 * event, every app's outbox is empty (a row stays only until published) and no durable consumer of
 * the run's streams has a message left undelivered or unacknowledged (a consumer acknowledges after
 * the events are committed). CPU is read from /proc over the load and the drain
 * together, and divided by the events acknowledged.
 */
import { SERVICE_NAMES } from '@leadflow/contracts';
import { streamBacklog } from '@leadflow/dev-services';
import autocannon from 'autocannon';
import { mkdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Pool } from 'pg';
import type { LogSummary } from './app-process';
import { type CpuUsage, CpuMeter } from './cpu-usage';
import { EVENTS_PER_BATCH, EventSequence } from './event-sequence';
import { type PlatformBenchRun, startBenchPlatform } from './bench-platform';
import { closingLines, cpuLines } from './report-lines';

export const EVENTS_PATH = '/api/v1/events/batch';
/** The issue's targets: events/s at least 1.0 × the baseline's requests/s, no errors, drained within 10 s. */
export const EVENT_TARGETS = { minRatio: 1.0, maxDrainS: 10 } as const;
const DRAIN_POLL_MS = 250;
const DRAIN_PROGRESS_EVERY_MS = 5000;

export interface EventsBenchRun extends PlatformBenchRun {
  options: { durationS: number; connections: number; warmupS: number; drainTimeoutS: number; profileDir: string | undefined };
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

/** The flow of events through the pipeline, read from the apps' outboxes and inboxes. */
export interface PipelineCounts {
  /** `activity.received` published by ingestion: every event it stored. */
  stored: number;
  /**
   * What is still in flight: outbox rows (one event each) plus messages some durable consumer has
   * not acknowledged (a message packs up to a relay batch of events, often 250): zero when drained,
   * but not a count of events.
   */
  pending: number;
  /** Unpublished events in the apps' outboxes. */
  outboxRows: number;
  /** Messages not yet acknowledged by the consumers that must take them. */
  messages: number;
  detail: Record<string, number>;
}

export interface EventsBenchReport {
  runId: string;
  baselineRequestsPerSecond: number | null;
  warmup: EventsLoad | null;
  measured: EventsLoad;
  stored: number;
  drainedAfterS: number | null;
  pipeline: PipelineCounts;
  /** Over the load and the drain. */
  cpu: CpuUsage | null;
  cpuMsPerEvent: number | null;
  crashes: string[];
  /** Each app's warnings and errors over the run (a failed batch retried, a redelivery, …). */
  logs: Record<string, LogSummary>;
  loadAverage: { start: number; end: number };
  checks: Array<{ name: string; pass: boolean; detail: string }>;
  verdict: 'PASS' | 'FAIL' | 'NOT JUDGED';
}

/**
 * Where the pipeline stands: events ingestion stored, and what is still in flight anywhere: outbox
 * rows (a row stays only until it is published) and messages the apps' durable consumers have not
 * acknowledged yet (a consumer acknowledges once the events are committed).
 */
export async function pipelineCounts(db: Pool, natsUrl: string, namespace: string): Promise<PipelineCounts> {
  const detail: Record<string, number> = {};
  const { rows } = await db.query<{ n: number }>(`SELECT count(*)::int AS "n" FROM "ingestion"."activities"`);
  const stored = rows[0]?.n ?? 0;
  let outboxRows = 0;
  for (const service of SERVICE_NAMES) {
    const outbox = await db.query<{ n: number }>(`SELECT count(*)::int AS "n" FROM "${service}"."outbox"`);
    const n = outbox.rows[0]?.n ?? 0;
    if (n > 0) detail[`${service} outbox`] = n;
    outboxRows += n;
  }
  const backlog = await streamBacklog(natsUrl, namespace);
  Object.assign(detail, backlog.consumers);
  return { stored, pending: outboxRows + backlog.pending, outboxRows, messages: backlog.pending, detail };
}

function runEventsLoad(
  baseUrl: string,
  apiKey: string,
  sequence: EventSequence,
  durationS: number,
  connections: number,
  signal: AbortSignal,
) {
  return new Promise<EventsLoad>((resolve, reject) => {
    let acknowledged = 0;
    const instance = autocannon(
      {
        url: baseUrl,
        connections,
        duration: durationS,
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
  let warmup: EventsLoad | null = null;
  if (options.warmupS > 0) {
    log(`events: warming up for ${options.warmupS} s`);
    warmup = await runEventsLoad(platform.baseUrl, eventsKey, sequence, options.warmupS, options.connections, signal);
    acknowledged += warmup.acknowledged;
    // The warm-up's events drain before the measurement, so that the drain time is the measured load's.
    await waitUntilDrained(run, acknowledged, Date.now() + options.drainTimeoutS * 1000, signal);
  }
  log(`events: measuring for ${options.durationS} s with ${options.connections} connections, ${EVENTS_PER_BATCH} events per request`);
  const meter = await CpuMeter.start(groups);
  const measured = await runEventsLoad(platform.baseUrl, eventsKey, sequence, options.durationS, options.connections, signal);
  acknowledged += measured.acknowledged;
  log(
    `events: ${measured.eventsPerSecond.toFixed(0)} events/s (${measured.requestsPerSecond.toFixed(0)} req/s), p50 ${measured.latencyP50Ms} ms, ` +
      `p99 ${measured.latencyP99Ms} ms, ${measured.non2xx} non-2xx, ${measured.errors} errors; waiting for the pipeline to drain`,
  );
  const loadEndedAt = Date.parse(measured.finishedAt);
  let lastProgress = Date.now();
  const drain = await waitUntilDrained(run, acknowledged, loadEndedAt + options.drainTimeoutS * 1000, signal, (counts) => {
    if (Date.now() - lastProgress < DRAIN_PROGRESS_EVERY_MS) return;
    lastProgress = Date.now();
    log(
      `events: ${counts.outboxRows} events in outboxes and ${counts.messages} messages (packs of events) unacknowledged ` +
        `(${counts.stored} stored): ${JSON.stringify(counts.detail)}`,
    );
  });
  const drainedAfterS = drain.drainedAt === null ? null : Math.max(0, (drain.drainedAt - loadEndedAt) / 1000);
  const cpu = (await meter?.stop()) ?? null;
  const crashes = platform.crashes();
  // Read before the stop, whose own shutdown messages are not the bench's business.
  const logs = platform.logSummaries();
  await platform.stop();

  const cpuMsPerEvent = cpu && measured.acknowledged > 0 ? cpu.machineMs / measured.acknowledged : null;
  const errors = measured.non2xx + measured.errors + (warmup ? warmup.non2xx + warmup.errors : 0);
  const checks = [
    {
      name: 'events/s against the baseline’s requests/s',
      pass: baselineRequestsPerSecond !== null && measured.eventsPerSecond >= EVENT_TARGETS.minRatio * baselineRequestsPerSecond,
      detail:
        baselineRequestsPerSecond === null
          ? 'no baseline in this run'
          : `${measured.eventsPerSecond.toFixed(0)} events/s vs ${baselineRequestsPerSecond.toFixed(0)} req/s: ` +
            `${(measured.eventsPerSecond / baselineRequestsPerSecond).toFixed(2)} × (target ≥ ${EVENT_TARGETS.minRatio} ×)`,
    },
    { name: 'no errors', pass: errors === 0 && crashes.length === 0, detail: `${errors} failed requests, ${crashes.length} crashed apps` },
    {
      name: 'drained',
      pass: drainedAfterS !== null && drainedAfterS <= EVENT_TARGETS.maxDrainS,
      detail:
        drainedAfterS === null
          ? `not drained within ${options.drainTimeoutS} s: ${drain.counts.outboxRows} events in outboxes, ${drain.counts.messages} messages unacknowledged`
          : `${drainedAfterS.toFixed(1)} s after the load (target ≤ ${EVENT_TARGETS.maxDrainS} s)`,
    },
    {
      name: 'every acknowledged event stored',
      pass: drain.counts.stored >= acknowledged,
      detail: `${drain.counts.stored} stored of ${acknowledged} acknowledged`,
    },
  ];
  return {
    runId: run.runId,
    baselineRequestsPerSecond,
    warmup,
    measured,
    stored: drain.counts.stored,
    drainedAfterS,
    pipeline: drain.counts,
    cpu,
    cpuMsPerEvent,
    crashes,
    logs,
    loadAverage: { start: Number(loadAtStart.toFixed(2)), end: Number(os.loadavg()[0].toFixed(2)) },
    checks,
    verdict: baselineRequestsPerSecond === null ? 'NOT JUDGED' : checks.every((c) => c.pass) ? 'PASS' : 'FAIL',
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
  let counts: PipelineCounts = { stored: 0, pending: Number.NaN, outboxRows: Number.NaN, messages: Number.NaN, detail: {} };
  while (!signal.aborted) {
    counts = await pipelineCounts(run.db, run.natsUrl, `bench${run.runId}`);
    if (counts.stored >= acknowledged && counts.pending === 0) return { drainedAt: Date.now(), counts };
    onPoll?.(counts);
    if (Date.now() >= deadline) break;
    await new Promise((resolve) => setTimeout(resolve, DRAIN_POLL_MS));
  }
  return { drainedAt: null, counts };
}

export function renderEventsReport(report: EventsBenchReport): string {
  const m = report.measured;
  return [
    '',
    `Activity events: ${EVENTS_PER_BATCH} events per POST ${EVENTS_PATH}`,
    `  baseline        ${report.baselineRequestsPerSecond === null ? 'not run' : `${report.baselineRequestsPerSecond.toFixed(0)} req/s`}`,
    `  acknowledged    ${m.eventsPerSecond.toFixed(0)} events/s (${m.requestsPerSecond.toFixed(0)} req/s, p50 ${m.latencyP50Ms} ms, p99 ${m.latencyP99Ms} ms) over ${m.durationS} s`,
    `  statuses        ${JSON.stringify(m.statusCodes)}, ${m.errors} connection errors`,
    `  drain           ${report.drainedAfterS === null ? 'NOT DRAINED' : `${report.drainedAfterS.toFixed(1)} s after the load`}; ${report.stored} events stored`,
    `  CPU per event   ${report.cpuMsPerEvent === null ? 'n/a' : `${report.cpuMsPerEvent.toFixed(3)} ms (whole machine, load and drain)`}`,
    ...cpuLines(report.cpu, m.acknowledged, 'event'),
    ...closingLines(report),
  ].join('\n');
}

export async function writeEventsReport(report: EventsBenchReport, dir: string): Promise<string> {
  await mkdir(dir, { recursive: true });
  const file = path.join(dir, `events-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
  await writeFile(file, `${JSON.stringify(report, null, 2)}\n`);
  return file;
}
