/**
 * `npm run bench -- --webhooks`: signed CRM webhooks (`POST /api/v1/webhooks/:integrationId`, a
 * `standard` integration) through the whole platform, next to the bare baseline's lead requests in
 * the same run. Two loads of `--connections` senders: at a total rate (`--webhook-rate`), each
 * sender at random moments as CRMs send events when they happen, where the answer's latency is
 * judged (p99 under 50 ms), and flat out (autocannon), for the throughput. Each webhook is a new contact, signed with the integration's secret
 * as the sender signs it. Then it waits until contacts has applied every stored webhook (the CRM
 * event log holds no event still `received`).
 */
import autocannon from 'autocannon';
import { mkdir, writeFile } from 'node:fs/promises';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import type { Pool } from 'pg';
import { Webhook } from 'standardwebhooks';
import type { LogSummary } from './app-process';
import { type CpuUsage, CpuMeter } from './cpu-usage';
import { type PlatformBenchRun, startBenchPlatform } from './bench-platform';
import { closingLines, cpuLines } from './report-lines';

/** The issue's target: the answer's p99 under 50 ms at 50 concurrent senders. */
export const WEBHOOK_TARGETS = { maxP99Ms: 50 } as const;
const DRAIN_POLL_MS = 250;

export interface WebhooksBenchRun extends PlatformBenchRun {
  options: {
    durationS: number;
    connections: number;
    warmupS: number;
    drainTimeoutS: number;
    webhookRate: number;
    profileDir: string | undefined;
  };
}

export interface WebhooksLoad {
  /** Requests per second the senders together were held to; null: as fast as answered. */
  rate: number | null;
  durationS: number;
  requestsPerSecond: number;
  /** 202 answers: webhooks stored. */
  acknowledged: number;
  latencyP50Ms: number;
  latencyP99Ms: number;
  latencyMaxMs: number;
  non2xx: number;
  errors: number;
  statusCodes: Record<string, number>;
}

export interface WebhooksBenchReport {
  runId: string;
  baseline: { requestsPerSecond: number; latencyP99Ms: number } | null;
  paced: WebhooksLoad;
  flatOut: WebhooksLoad;
  stored: number;
  appliedAfterS: number | null;
  /** Over both loads and the drain. */
  cpu: CpuUsage | null;
  cpuMsPerWebhook: number | null;
  crashes: string[];
  logs: Record<string, LogSummary>;
  loadAverage: { start: number; end: number };
  checks: Array<{ name: string; pass: boolean; detail: string }>;
  verdict: 'PASS' | 'FAIL' | 'NOT JUDGED';
}

interface Integration {
  id: string;
  secret: string;
  webhookUrl: string;
}

async function createIntegration(baseUrl: string, adminKey: string): Promise<Integration> {
  const response = await fetch(`${baseUrl}/api/v1/integrations`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${adminKey}` },
    body: JSON.stringify({ name: 'bench CRM', kind: 'standard' }),
    signal: AbortSignal.timeout(10_000),
  });
  const text = await response.text();
  if (response.status !== 201) throw new Error(`creating an integration answered ${response.status} ${text.slice(0, 300)}`);
  return JSON.parse(text) as Integration;
}

/** Webhooks signed as a Standard Webhooks sender signs them (the `standardwebhooks` package), each a new contact of the CRM. */
class WebhookSequence {
  private next = 0;
  private readonly signer: Webhook;

  constructor(
    private readonly runId: string,
    integration: Integration,
  ) {
    this.signer = new Webhook(integration.secret);
  }

  take(): { headers: Record<string, string>; body: string } {
    this.next += 1;
    const n = this.next;
    const now = new Date();
    const id = `evt_${this.runId}_${n}`;
    const body = JSON.stringify({
      type: 'contact.created',
      id,
      timestamp: now.toISOString(),
      data: {
        id: `crm_${this.runId}_${n}`,
        updatedAt: now.toISOString(),
        email: `crm.${this.runId}.${n}@example.com`,
        firstName: 'Bench',
        lastName: `Contact ${n}`,
        company: 'Acme GmbH',
      },
    });
    const headers = {
      'content-type': 'application/json',
      'webhook-id': id,
      'webhook-timestamp': String(Math.floor(now.getTime() / 1000)),
      'webhook-signature': this.signer.sign(id, now, body),
    };
    return { headers, body };
  }
}

/** `connections` senders as fast as they are answered (autocannon): the throughput. */
function runWebhooksLoad(
  baseUrl: string,
  webhookPath: string,
  sequence: WebhookSequence,
  options: { durationS: number; connections: number },
  signal: AbortSignal,
): Promise<WebhooksLoad> {
  return new Promise((resolve, reject) => {
    const instance = autocannon(
      {
        url: baseUrl,
        connections: options.connections,
        duration: options.durationS,
        requests: [
          {
            method: 'POST',
            path: webhookPath,
            setupRequest: (request) => {
              const webhook = sequence.take();
              return { ...request, headers: webhook.headers, body: webhook.body };
            },
          },
        ],
      },
      (error: unknown, result: autocannon.Result) => {
        signal.removeEventListener('abort', stop);
        if (error) return reject(error instanceof Error ? error : new Error(String(error)));
        const statusCodes = Object.fromEntries(Object.entries(result.statusCodeStats ?? {}).map(([code, stat]) => [code, stat.count ?? 0]));
        resolve({
          rate: null,
          durationS: result.duration,
          requestsPerSecond: result.requests.average,
          acknowledged: statusCodes['202'] ?? 0,
          latencyP50Ms: result.latency.p50,
          latencyP99Ms: result.latency.p99,
          latencyMaxMs: result.latency.max,
          non2xx: result.non2xx,
          errors: result.errors,
          statusCodes,
        });
      },
    );
    const stop = (): void => instance.stop();
    signal.addEventListener('abort', stop, { once: true });
  });
}

/**
 * `senders` senders that each send a webhook at random moments (exponential gaps, as events happen
 * in a CRM), `rate` webhooks a second together, each waiting for its answer before the next: the
 * answer's latency without the bursts a rate limit per tick makes.
 */
async function runPacedSenders(
  url: string,
  sequence: WebhookSequence,
  options: { durationS: number; senders: number; rate: number },
  signal: AbortSignal,
): Promise<WebhooksLoad> {
  const latencies: number[] = [];
  const statusCodes: Record<string, number> = {};
  let errors = 0;
  const started = performance.now();
  const endAt = started + options.durationS * 1000;
  const meanGapMs = (options.senders / options.rate) * 1000;
  // Node's own client on kept-alive connections, one per sender: fetch's own per-request work put
  // tens of milliseconds on the p99 even against a bare HTTP server.
  const agent = new http.Agent({ keepAlive: true, maxSockets: options.senders });
  const sender = async (): Promise<void> => {
    for (;;) {
      await new Promise((resolve) => setTimeout(resolve, -Math.log(1 - Math.random()) * meanGapMs));
      if (performance.now() >= endAt || signal.aborted) return;
      const webhook = sequence.take();
      const sentAt = performance.now();
      try {
        const status = await post(agent, url, webhook, signal);
        latencies.push(performance.now() - sentAt);
        statusCodes[status] = (statusCodes[status] ?? 0) + 1;
      } catch {
        errors += 1;
      }
    }
  };
  await Promise.all(Array.from({ length: options.senders }, sender));
  agent.destroy();
  const durationS = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  const at = (q: number) => Math.round(latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? 0);
  const answered = latencies.length;
  return {
    rate: options.rate,
    durationS,
    requestsPerSecond: answered / durationS,
    acknowledged: statusCodes['202'] ?? 0,
    latencyP50Ms: at(0.5),
    latencyP99Ms: at(0.99),
    latencyMaxMs: Math.round(latencies[latencies.length - 1] ?? 0),
    non2xx: Object.entries(statusCodes)
      .filter(([code]) => !code.startsWith('2'))
      .reduce((n, [, count]) => n + count, 0),
    errors,
    statusCodes,
  };
}

/** POSTs one webhook and reads the answer to its end; resolves with the status code. */
function post(
  agent: http.Agent,
  url: string,
  webhook: { headers: Record<string, string>; body: string },
  signal: AbortSignal,
): Promise<number> {
  return new Promise((resolve, reject) => {
    const request = http.request(
      url,
      {
        method: 'POST',
        agent,
        headers: { ...webhook.headers, 'content-length': String(Buffer.byteLength(webhook.body)) },
        signal: AbortSignal.any([signal, AbortSignal.timeout(10_000)]),
      },
      (response) => {
        response.on('error', reject);
        response.on('end', () => resolve(response.statusCode ?? 0));
        response.resume();
      },
    );
    request.on('error', reject);
    request.end(webhook.body);
  });
}

/** Webhooks stored, and those still waiting for contacts (status `received`). */
async function crmLog(db: Pool): Promise<{ stored: number; waiting: number }> {
  const { rows } = await db.query<{ stored: number; waiting: number }>(
    `SELECT count(*)::int AS "stored", count(*) FILTER (WHERE "status" = 'received')::int AS "waiting" FROM "ingestion"."crm_events_log"`,
  );
  return rows[0] ?? { stored: 0, waiting: 0 };
}

export async function benchWebhooks(
  run: WebhooksBenchRun,
  baseline: { requestsPerSecond: number; latencyP99Ms: number } | null,
  log: (line: string) => void,
): Promise<WebhooksBenchReport> {
  const { options, signal } = run;
  const { platform, processes: groups } = await startBenchPlatform(run, log, 'webhooks');
  const integration = await createIntegration(platform.baseUrl, run.adminKey);
  const webhookPath = new URL(integration.webhookUrl).pathname;
  const sequence = new WebhookSequence(run.runId, integration);
  const loadAtStart = os.loadavg()[0];

  if (options.warmupS > 0) {
    log(`webhooks: warming up for ${options.warmupS} s`);
    await runPacedSenders(
      `${platform.baseUrl}${webhookPath}`,
      sequence,
      { durationS: options.warmupS, senders: options.connections, rate: options.webhookRate },
      signal,
    );
  }
  const meter = await CpuMeter.start(groups);
  log(`webhooks: ${options.connections} senders at ${options.webhookRate} webhooks/s in all for ${options.durationS} s`);
  const paced = await runPacedSenders(
    `${platform.baseUrl}${webhookPath}`,
    sequence,
    { durationS: options.durationS, senders: options.connections, rate: options.webhookRate },
    signal,
  );
  log(`webhooks: paced: ${paced.requestsPerSecond.toFixed(0)} req/s, p50 ${paced.latencyP50Ms} ms, p99 ${paced.latencyP99Ms} ms`);
  log(`webhooks: ${options.connections} senders flat out for ${options.durationS} s`);
  const flatOut = await runWebhooksLoad(platform.baseUrl, webhookPath, sequence, options, signal);
  log(`webhooks: flat out: ${flatOut.requestsPerSecond.toFixed(0)} req/s, p50 ${flatOut.latencyP50Ms} ms, p99 ${flatOut.latencyP99Ms} ms`);
  const loadEndedAt = Date.now();
  let counts = await crmLog(run.db);
  let appliedAt: number | null = null;
  while (!signal.aborted && Date.now() < loadEndedAt + options.drainTimeoutS * 1000) {
    counts = await crmLog(run.db);
    if (counts.waiting === 0) {
      appliedAt = Date.now();
      break;
    }
    await new Promise((resolve) => setTimeout(resolve, DRAIN_POLL_MS));
  }
  const cpu = (await meter?.stop()) ?? null;
  const crashes = platform.crashes();
  const logs = platform.logSummaries();
  await platform.stop();

  const acknowledged = paced.acknowledged + flatOut.acknowledged;
  const appliedAfterS = appliedAt === null ? null : (appliedAt - loadEndedAt) / 1000;
  const errors = paced.non2xx + paced.errors + flatOut.non2xx + flatOut.errors;
  const checks = [
    {
      name: `p99 at ${options.connections} senders`,
      pass: paced.latencyP99Ms < WEBHOOK_TARGETS.maxP99Ms,
      detail: `${paced.latencyP99Ms} ms at ${options.webhookRate} webhooks/s in all (target < ${WEBHOOK_TARGETS.maxP99Ms} ms); flat out ${flatOut.latencyP99Ms} ms at ${flatOut.requestsPerSecond.toFixed(0)} req/s`,
    },
    { name: 'no errors', pass: errors === 0 && crashes.length === 0, detail: `${errors} failed requests, ${crashes.length} crashed apps` },
    {
      name: 'every acknowledged webhook stored and applied',
      pass: counts.stored >= acknowledged && appliedAt !== null,
      detail: `${counts.stored} stored of ${acknowledged} acknowledged (warm-up included in stored); ${appliedAfterS === null ? `${counts.waiting} still waiting after ${options.drainTimeoutS} s` : `applied ${appliedAfterS.toFixed(1)} s after the load`}`,
    },
  ];
  return {
    runId: run.runId,
    baseline,
    paced,
    flatOut,
    stored: counts.stored,
    appliedAfterS,
    cpu,
    cpuMsPerWebhook: cpu && acknowledged > 0 ? cpu.machineMs / acknowledged : null,
    crashes,
    logs,
    loadAverage: { start: Number(loadAtStart.toFixed(2)), end: Number(os.loadavg()[0].toFixed(2)) },
    checks,
    verdict: checks.every((c) => c.pass) ? 'PASS' : 'FAIL',
  };
}

export function renderWebhooksReport(report: WebhooksBenchReport): string {
  const line = (name: string, load: WebhooksLoad) =>
    `  ${name.padEnd(15)} ${load.requestsPerSecond.toFixed(0)} req/s, p50 ${load.latencyP50Ms} ms, p99 ${load.latencyP99Ms} ms, max ${load.latencyMaxMs} ms; ${JSON.stringify(load.statusCodes)}, ${load.errors} connection errors`;
  const ratio = (value: number, of: number | undefined) => (of ? ` (${(value / of).toFixed(2)} × the baseline)` : '');
  const acknowledged = report.paced.acknowledged + report.flatOut.acknowledged;
  return [
    '',
    'CRM webhooks: POST /api/v1/webhooks/:integrationId, Standard Webhooks signatures, one new contact each',
    `  baseline        ${report.baseline === null ? 'not run' : `${report.baseline.requestsPerSecond.toFixed(0)} req/s, p99 ${report.baseline.latencyP99Ms} ms (leads, flat out)`}`,
    line(`paced ${report.paced.rate}/s`, report.paced),
    `${line('flat out', report.flatOut)}${ratio(report.flatOut.requestsPerSecond, report.baseline?.requestsPerSecond)}`,
    `  applied         ${report.appliedAfterS === null ? 'NOT APPLIED' : `${report.appliedAfterS.toFixed(1)} s after the load`}; ${report.stored} webhooks stored`,
    `  CPU per webhook ${report.cpuMsPerWebhook === null ? 'n/a' : `${report.cpuMsPerWebhook.toFixed(3)} ms (whole machine, loads and drain)`}`,
    ...cpuLines(report.cpu, acknowledged, 'webhook'),
    ...closingLines(report),
  ].join('\n');
}

export async function writeWebhooksReport(report: WebhooksBenchReport, dir: string): Promise<string> {
  await mkdir(dir, { recursive: true });
  const file = path.join(dir, `webhooks-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
  await writeFile(file, `${JSON.stringify(report, null, 2)}\n`);
  return file;
}
