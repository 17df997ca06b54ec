/**
 * Garbage collection in each app during the measured load, from the apps' own Prometheus metrics:
 * prom-client's `nodejs_gc_duration_seconds`, a histogram of the collections Node.js reports by
 * kind (`minor`: a scavenge of the young generation; `major`: a mark-compact of the whole heap;
 * `incremental`: a step of marking; `weakcb`: weak callbacks), read when the CPU is read.
 *
 * Per lead, these say how much an app allocates and keeps (a scavenge comes with every filled young
 * generation, a mark-compact with every so much promoted to the old one), which CPU time alone does
 * not, and they vary far less from run to run than CPU time on a shared machine.
 */
import { METRICS_PATH } from '@leadflow/contracts';

/** Collections of one app, cumulative (a scrape) or over the measured load (a difference). */
export interface GcCounts {
  minor: number;
  major: number;
  incremental: number;
  /** Time the app's main thread spent in collections of every kind, in ms. */
  pauseMs: number;
}

const SERIES = /^nodejs_gc_duration_seconds_(count|sum)\{([^}]*)\}\s+(\S+)$/;
const KIND = /(?:^|,)kind="([^"]*)"/;

/** The collections in the text of a Prometheus scrape; an app that reports none has zeros. */
export function parseGcMetrics(text: string): GcCounts {
  const counts: GcCounts = { minor: 0, major: 0, incremental: 0, pauseMs: 0 };
  for (const line of text.split('\n')) {
    const series = SERIES.exec(line.trim());
    if (!series) continue;
    const [, part, labels = '', raw] = series;
    const value = Number(raw);
    if (!Number.isFinite(value)) throw new Error(`unreadable garbage collection figure: ${line}`);
    if (part === 'sum') {
      counts.pauseMs += value * 1000;
      continue;
    }
    const kind = KIND.exec(labels)?.[1];
    if (kind === 'minor' || kind === 'major' || kind === 'incremental') counts[kind] += value;
  }
  return counts;
}

/** Each app's collections now, scraped from `<base URL>/metrics`. */
export async function readGcCounts(apps: ReadonlyMap<string, (pathname: string) => string>): Promise<Map<string, GcCounts>> {
  const counts = new Map<string, GcCounts>();
  for (const [app, url] of apps) {
    const response = await fetch(url(METRICS_PATH), { signal: AbortSignal.timeout(5000) });
    const text = await response.text();
    if (!response.ok) throw new Error(`${app}: GET ${METRICS_PATH} answered ${response.status} ${text.slice(0, 200)}`);
    counts.set(app, parseGcMetrics(text));
  }
  return counts;
}

/** What each app collected between two readings (an app read only at the end counts from zero). */
export function gcBetween(before: ReadonlyMap<string, GcCounts>, after: ReadonlyMap<string, GcCounts>): Record<string, GcCounts> {
  const zero: GcCounts = { minor: 0, major: 0, incremental: 0, pauseMs: 0 };
  return Object.fromEntries(
    [...after].map(([app, end]) => {
      const start = before.get(app) ?? zero;
      return [
        app,
        {
          minor: end.minor - start.minor,
          major: end.major - start.major,
          incremental: end.incremental - start.incremental,
          pauseMs: end.pauseMs - start.pauseMs,
        },
      ];
    }),
  );
}

/** The report's lines: per 1,000 leads acknowledged during the measured load, each app's collections and pauses. */
export function garbageCollectionLines(gc: Record<string, GcCounts> | null, acknowledged: number): string[] {
  if (gc === null || acknowledged <= 0 || Object.keys(gc).length === 0) return [];
  const per = (n: number, digits: number): string => ((n * 1000) / acknowledged).toFixed(digits);
  return [
    'garbage collection per 1,000 leads acknowledged during the measured load (each app’s nodejs_gc_duration_seconds):',
    ...Object.entries(gc).map(
      ([app, c]) =>
        `  ${app}: ${per(c.minor, 1)} scavenges, ${per(c.major, 2)} mark-compacts, ${per(c.incremental, 1)} incremental marking steps; ` +
        `${per(c.pauseMs, 0)} ms of pauses`,
    ),
  ];
}
