/** The bench's verdict against the issue's targets, as text for the terminal and JSON for the record. */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { LogSummary } from './app-process';
import type { CpuUsage } from './cpu-usage';
import { type DatabaseWrites, databaseWritesLines } from './database-writes';
import { garbageCollectionLines, type GcCounts } from './garbage-collection';
import type { DrainResult } from './drain';
import { describeInFlight } from './in-flight';
import type { LoadResult } from './load';

/**
 * The pipeline efficiency targets: CPU per acknowledged lead (all processes) at most 3.5 × the
 * baseline's per request, at least a third of its requests/s, p99 at most 150 ms, the pipeline
 * drained within 5 s of the load, and each app within 200 MiB resident at the end.
 */
export const TARGETS = { maxCpuRatio: 3.5, minRatio: 0.33, maxP99Ms: 150, maxDrainS: 5, maxAppMiB: 200 } as const;

export interface TargetRun {
  warmup: LoadResult | null;
  measured: LoadResult;
  /** Where the CPU went during the measured load; null where it cannot be read (not Linux). */
  cpu: CpuUsage | null;
  /** Rows the target stored (warm-up included), counted in its tables after the load. */
  stored: number;
  /** What PostgreSQL wrote for the target from its start to its stop. */
  writes: DatabaseWrites;
}

export interface PlatformRun extends TargetRun {
  /** Each app's garbage collection during the measured load, from its metrics; null when they could not be read. */
  gc: Record<string, GcCounts> | null;
  drain: DrainResult;
  crashes: string[];
  logs: Record<string, LogSummary>;
  /** Each app's resident memory once the pipeline drained, in MiB (empty where /proc cannot be read). */
  memoryMiB: Record<string, number>;
}

export interface Check {
  name: string;
  pass: boolean;
  detail: string;
}

export type Verdict = 'PASS' | 'FAIL' | 'NOT JUDGED';

export interface BenchReport {
  runId: string;
  startedAt: string;
  finishedAt: string;
  settings: { durationS: number; connections: number; warmupS: number; drainTimeoutS: number };
  environment: {
    node: string;
    cpus: number;
    loadAverageAtStart: number;
    postgres: string;
    nats: string;
    database: string;
    namespace: string;
  };
  baseline: TargetRun | null;
  platform: PlatformRun | null;
  /** The baseline run again after the platform; null when only one target ran. */
  baselineAfter: TargetRun | null;
  /** Platform requests/s over the baseline's (the mean of its runs before and after the platform). */
  ratio: number | null;
  /** Platform CPU per acknowledged lead over the baseline's per acknowledged request (all processes; the mean of its runs). */
  cpuRatio: number | null;
  checks: Check[];
  verdict: Verdict;
}

export type ReportInput = Omit<BenchReport, 'ratio' | 'cpuRatio' | 'checks' | 'verdict'>;

/** CPU time of all processes per acknowledged request of the measured load, in µs; null without figures. */
export function cpuPerRequestUs(run: TargetRun): number | null {
  return run.cpu && run.measured.accepted > 0 ? (run.cpu.machineMs * 1000) / run.measured.accepted : null;
}

/**
 * A figure of the baseline as the platform is compared with: the mean over its runs (before the
 * platform, and after it when it ran again), so that a machine that speeds up or slows down during
 * the bench moves both sides alike. Null when a run lacks the figure.
 */
function baselineMean(runs: readonly TargetRun[], figure: (run: TargetRun) => number | null): number | null {
  const values = runs.map(figure);
  if (values.length === 0 || values.some((value) => value === null)) return null;
  return (values as number[]).reduce((sum, value) => sum + value, 0) / values.length;
}

/** Each baseline run's figure, when there were two: how far apart the two sides of the platform were. */
function eachRun(runs: readonly TargetRun[], figure: (run: TargetRun) => number | null, unit: string): string {
  if (runs.length < 2) return '';
  return ` (the mean of ${runs.map((run) => `${fixed(figure(run) ?? Number.NaN, 0)}${unit}`).join(' before and ')} after)`;
}

/** Adds the ratios, the checks and the verdict; a run of one target only is not judged. */
export function judge(input: ReportInput): BenchReport {
  const { baseline, platform, baselineAfter } = input;
  const baselines = [baseline, baselineAfter].filter((run): run is TargetRun => run !== null);
  const requestsPerSecond = (run: TargetRun): number => run.measured.requestsPerSecond;
  const baselineRps = baselineMean(baselines, requestsPerSecond);
  const ratio = platform && baselineRps ? platform.measured.requestsPerSecond / baselineRps : null;
  const baselineCpu = baselineMean(baselines, cpuPerRequestUs);
  const platformCpu = platform ? cpuPerRequestUs(platform) : null;
  const cpuRatio = baselineCpu && platformCpu !== null ? platformCpu / baselineCpu : null;
  const checks: Check[] = [];
  if (baseline && platform) {
    if (cpuRatio !== null && baselineCpu !== null && platformCpu !== null) {
      checks.push({
        name: `platform CPU per lead <= ${TARGETS.maxCpuRatio} × baseline CPU per request`,
        pass: cpuRatio <= TARGETS.maxCpuRatio,
        detail: `${fixed(platformCpu, 0)} µs / ${fixed(baselineCpu, 0)} µs${eachRun(baselines, cpuPerRequestUs, ' µs')} = ${fixed(cpuRatio, 2)}`,
      });
    }
    checks.push({
      name: `platform/baseline requests/s >= ${TARGETS.minRatio}`,
      pass: ratio !== null && ratio >= TARGETS.minRatio,
      detail: `${fixed(platform.measured.requestsPerSecond, 0)} / ${fixed(baselineRps ?? 0, 0)}${eachRun(baselines, requestsPerSecond, '')} = ${ratio === null ? 'n/a' : fixed(ratio, 2)}`,
    });
  }
  if (platform) checks.push(errorCheck('platform', platform), ...platformChecks(platform));
  if (baseline) checks.push(errorCheck('baseline', baseline));
  if (baselineAfter) checks.push(errorCheck('baseline 2', baselineAfter));
  const failed = checks.some((check) => !check.pass);
  const verdict: Verdict = failed ? 'FAIL' : baseline && platform ? 'PASS' : 'NOT JUDGED';
  return { ...input, ratio, cpuRatio, checks, verdict };
}

/** Every request answered 201, warm-up included: a sender would have had to retry any other answer. */
function errorCheck(name: string, run: TargetRun): Check {
  const loads = run.warmup ? [run.warmup, run.measured] : [run.measured];
  const errors = loads.reduce((sum, load) => sum + load.errors, 0);
  const notCreated = loads.reduce((sum, load) => sum + (load.responses - load.accepted), 0);
  return {
    name: `${name}: zero errors (warm-up included)`,
    pass: errors === 0 && notCreated === 0,
    detail: `${errors} connection errors/timeouts, ${notCreated} answers other than 201`,
  };
}

function platformChecks(platform: PlatformRun): Check[] {
  const { drain } = platform;
  const checks: Check[] = [
    {
      name: `pipeline drained <= ${TARGETS.maxDrainS} s after the load`,
      pass: drain.drainedAfterS !== null && drain.drainedAfterS <= TARGETS.maxDrainS,
      detail:
        drain.drainedAfterS !== null
          ? `${fixed(drain.drainedAfterS, 1)} s`
          : `not drained: ${drain.leads} of ${drain.stored} counted; in flight: ${drain.inFlight ? describeInFlight(drain.inFlight) || 'nothing' : 'unknown'}${drain.lastError ? ` (last error: ${drain.lastError})` : ''}`,
    },
    {
      name: 'every acknowledged lead stored, counted and attributed once',
      pass: drain.stored >= drain.accepted && drain.leads === drain.stored && drain.attributed === drain.stored,
      detail: `${drain.accepted} acknowledged, ${drain.stored} stored, ${drain.leads} counted, ${drain.attributed} attributed`,
    },
  ];
  checks.push({
    name: `platform p99 <= ${TARGETS.maxP99Ms} ms`,
    pass: platform.measured.latencyP99Ms <= TARGETS.maxP99Ms,
    detail: `${fixed(platform.measured.latencyP99Ms, 0)} ms`,
  });
  const memory = Object.entries(platform.memoryMiB);
  if (memory.length > 0) {
    checks.push({
      name: `each app <= ${TARGETS.maxAppMiB} MiB resident at the end`,
      pass: memory.every(([, mib]) => mib <= TARGETS.maxAppMiB),
      detail: memory.map(([app, mib]) => `${app} ${fixed(mib, 0)}`).join(', '),
    });
  }
  if (platform.crashes.length > 0) checks.push({ name: 'no app exited during the run', pass: false, detail: platform.crashes.join('; ') });
  return checks;
}

export function renderReport(report: BenchReport): string {
  const { settings, baseline, platform, baselineAfter } = report;
  const lines = [
    '',
    `LeadFlow bench ${report.runId}: POST /api/lead, ${settings.connections} connections, ${settings.durationS} s measured ` +
      `after ${settings.warmupS} s warm-up, per target`,
    `node ${report.environment.node}, ${report.environment.cpus} CPUs, load average ${report.environment.loadAverageAtStart} at the start`,
    '',
    row(['target', 'req/s', 'p50 ms', 'p99 ms', 'max ms', 'responses', '201', 'non-2xx', 'errors', 'timeouts']),
  ];
  if (baseline) lines.push(row(loadCells('baseline', baseline.measured)));
  if (platform) lines.push(row(loadCells('platform', platform.measured)));
  if (baselineAfter) lines.push(row(loadCells('baseline 2', baselineAfter.measured)));
  lines.push('');
  for (const [name, run] of [['baseline', baseline] as const, ['platform', platform] as const, ['baseline 2', baselineAfter] as const]) {
    if (run?.warmup) lines.push(`warm-up ${name}: ${describeLoad(run.warmup)}; ${run.stored} leads stored in all`);
  }
  const against = baselineAfter ? ' (against the mean of the baseline’s two runs)' : '';
  if (report.ratio !== null) lines.push(`ratio platform/baseline requests/s: ${fixed(report.ratio, 2)}${against}`);
  if (report.cpuRatio !== null) lines.push(`ratio platform/baseline CPU per request: ${fixed(report.cpuRatio, 2)}${against}`);
  lines.push(...cpuLines(report));
  lines.push(...databaseWritesLines({ baseline, platform }));
  if (platform) lines.push(...garbageCollectionLines(platform.gc, platform.measured.accepted), ...platformLines(platform));
  lines.push('', 'checks:');
  for (const check of report.checks) lines.push(`  ${check.pass ? 'PASS' : 'FAIL'}  ${check.name}: ${check.detail}`);
  lines.push('', `verdict: ${report.verdict}`);
  return `${lines.join('\n')}\n`;
}

function platformLines(platform: PlatformRun): string[] {
  const { drain } = platform;
  const when =
    drain.drainedAfterS !== null
      ? `the pipeline caught up (nothing in flight) ${fixed(drain.drainedAfterS, 1)} s after the load ended`
      : 'never caught up';
  const lines = [
    `drain: ${drain.accepted} leads acknowledged (201), ${drain.stored} stored by ingestion, ${drain.leads} counted by metrics, ` +
      `${drain.attributed} attributed by contacts; ${when}`,
  ];
  const memory = Object.entries(platform.memoryMiB);
  if (memory.length > 0) lines.push(`memory at the end, MiB resident: ${memory.map(([app, mib]) => `${app} ${fixed(mib, 0)}`).join(', ')}`);
  const noisy = Object.entries(platform.logs).filter(([, logs]) => logs.warnings + logs.errors > 0);
  for (const [service, logs] of noisy) {
    lines.push(
      `logs ${service}: ${logs.warnings} warnings, ${logs.errors} errors (${logs.messages.map((m) => JSON.stringify(m)).join(', ')})`,
    );
  }
  return lines;
}

/**
 * CPU time per acknowledged lead during the measured load, by process: what a lead costs each part
 * of a target, and which part a faster target has to make cheaper.
 */
export function cpuLines(report: Pick<BenchReport, 'baseline' | 'platform' | 'baselineAfter' | 'environment'>): string[] {
  const targets = [
    ['baseline', report.baseline],
    ['platform', report.platform],
    ['baseline 2', report.baselineAfter],
  ] as const;
  const measured = targets.flatMap(([name, run]) => {
    return run?.cpu && run.measured.accepted > 0 ? [{ name, cpu: run.cpu, leads: run.measured.accepted }] : [];
  });
  if (measured.length === 0) return [];
  const lines = [`CPU per acknowledged lead during the measured load, in µs (${report.environment.cpus} CPUs):`];
  for (const { name, cpu, leads } of measured) {
    const perLead = (ms: number): string => fixed((ms * 1000) / leads, 0);
    const busy = (100 * cpu.machineMs) / (cpu.windowS * 1000 * report.environment.cpus);
    const parts = cpu.processes.filter((p) => p.ms > 0).map((p) => `${p.name} ${perLead(p.ms)}`);
    lines.push(`  ${name}: ${perLead(cpu.machineMs)} in all, CPUs ${fixed(busy, 0)} % busy; ${parts.join(', ')}`);
  }
  return lines;
}

function loadCells(name: string, load: LoadResult): string[] {
  return [
    name,
    fixed(load.requestsPerSecond, 0),
    fixed(load.latencyP50Ms, 1),
    fixed(load.latencyP99Ms, 1),
    fixed(load.latencyMaxMs, 0),
    String(load.responses),
    String(load.accepted),
    String(load.non2xx),
    String(load.errors),
    String(load.timeouts),
  ];
}

function describeLoad(load: LoadResult): string {
  const codes = Object.entries(load.statusCodes)
    .map(([code, count]) => `${count}×${code}`)
    .join(', ');
  return `${load.responses} responses (${codes || 'none'}), ${load.errors} errors, ${load.timeouts} timeouts`;
}

function row(cells: string[]): string {
  const [first, ...rest] = cells;
  return `  ${first.padEnd(10)}${rest.map((cell) => cell.padStart(11)).join('')}`;
}

function fixed(value: number, digits: number): string {
  return value.toFixed(digits);
}

/** Writes the report to `<dir>/<timestamp>.json`; returns the file. */
export async function writeReport(report: BenchReport, dir: string): Promise<string> {
  await mkdir(dir, { recursive: true });
  const file = path.join(dir, `${report.startedAt.replace(/[:.]/g, '-')}.json`);
  await writeFile(file, `${JSON.stringify(report, null, 2)}\n`);
  return file;
}
