/** The bench's settings: command-line flags first, then BENCH_* environment variables, then defaults. */
import path from 'node:path';
import { parseArgs } from 'node:util';

export type TargetName = 'platform' | 'baseline';

export interface BenchOptions {
  /** Measured seconds per target. */
  durationS: number;
  connections: number;
  /** Seconds of load before the measurement, per target; their leads count for the drain, their figures do not. */
  warmupS: number;
  /** How long to wait for the pipeline to drain before giving up (the target is 30 s). */
  drainTimeoutS: number;
  /** Bench one target only (no ratio, no verdict): for working on one side. */
  only: TargetName | undefined;
  /** When set, every platform app writes a V8 CPU profile into this directory when it stops. */
  profileDir: string | undefined;
  /** Bench one CSV import instead of intake (see import-bench.ts). */
  import: boolean;
  /** Bench activity events (batches of 100) against the baseline instead of leads (see events-bench.ts). */
  events: boolean;
  /** Bench signed CRM webhooks against the baseline instead of leads (see webhooks-bench.ts). */
  webhooks: boolean;
  /** The paced events load's rate in events per second, instead of the baseline's requests/s. */
  eventRate: number | undefined;
  /** The total rate of the paced webhook load, in webhooks per second. */
  webhookRate: number;
  importRows: number;
  /** Each row is padded to about this many bytes (0: not padded). */
  importRowBytes: number;
  help: boolean;
}

export const USAGE = `usage: npm run bench -- [options]
  --duration <s>       measured seconds per target            (BENCH_DURATION, default 15)
  --connections <n>    concurrent connections                  (BENCH_CONNECTIONS, default 50)
  --warmup <s>         unmeasured seconds before each run      (BENCH_WARMUP, default 3)
  --drain-timeout <s>  longest wait for the pipeline to drain  (BENCH_DRAIN_TIMEOUT, default 120)
  --only <target>      platform or baseline: bench one side, no verdict
  --profile <dir>      write a CPU profile per platform app into <dir> (open in Chrome DevTools)
  --import             bench one CSV import through the platform instead of intake
  --events             bench activity events (POST /api/v1/events/batch, 100 per request) against the baseline
  --event-rate <n>     events/s of the paced events load      (default: the baseline's requests/s; then a flat-out load)
  --webhooks           bench signed CRM webhooks (POST /api/v1/webhooks/:id), paced and flat out, against the baseline
  --webhook-rate <n>   webhooks per second of all senders together in the paced load (default 100)
  --rows <n>           rows of the imported file                (default 100000)
  --row-bytes <n>      pad each row to n bytes                 (default 0: about 120; 1000 makes 100,000 rows 100 MB)
DATABASE_URL and NATS_URL choose the servers (default postgres://postgres@127.0.0.1:5432/postgres, nats://127.0.0.1:4222).`;

export function parseBenchOptions(argv: string[], env: NodeJS.ProcessEnv): BenchOptions {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    options: {
      duration: { type: 'string' },
      connections: { type: 'string' },
      warmup: { type: 'string' },
      'drain-timeout': { type: 'string' },
      only: { type: 'string' },
      profile: { type: 'string' },
      import: { type: 'boolean', default: false },
      events: { type: 'boolean', default: false },
      webhooks: { type: 'boolean', default: false },
      'webhook-rate': { type: 'string' },
      'event-rate': { type: 'string' },
      rows: { type: 'string' },
      'row-bytes': { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  return {
    durationS: positiveNumber('--duration', values.duration ?? env.BENCH_DURATION, 15),
    connections: Math.round(positiveNumber('--connections', values.connections ?? env.BENCH_CONNECTIONS, 50)),
    warmupS: nonNegativeNumber('--warmup', values.warmup ?? env.BENCH_WARMUP, 3),
    drainTimeoutS: positiveNumber('--drain-timeout', values['drain-timeout'] ?? env.BENCH_DRAIN_TIMEOUT, 120),
    only: targetName(values.only),
    profileDir: values.profile === undefined || values.profile.trim() === '' ? undefined : path.resolve(values.profile),
    import: values.import === true,
    events: values.events === true,
    webhooks: values.webhooks === true,
    eventRate: values['event-rate'] === undefined ? undefined : Math.round(positiveNumber('--event-rate', values['event-rate'], 1)),
    webhookRate: Math.round(positiveNumber('--webhook-rate', values['webhook-rate'], 100)),
    importRows: Math.round(positiveNumber('--rows', values.rows, 100_000)),
    importRowBytes: Math.round(nonNegativeNumber('--row-bytes', values['row-bytes'], 0)),
    help: values.help === true,
  };
}

function positiveNumber(name: string, raw: string | undefined, fallback: number): number {
  const value = nonNegativeNumber(name, raw, fallback);
  if (value === 0) throw new Error(`${name} must be greater than 0`);
  return value;
}

function nonNegativeNumber(name: string, raw: string | undefined, fallback: number): number {
  if (raw === undefined || raw.trim() === '') return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < 0) throw new Error(`${name} must be a number of at least 0, got ${JSON.stringify(raw)}`);
  return value;
}

function targetName(raw: string | undefined): TargetName | undefined {
  if (raw === undefined || raw === 'platform' || raw === 'baseline') return raw;
  throw new Error(`--only must be platform or baseline, got ${JSON.stringify(raw)}`);
}
