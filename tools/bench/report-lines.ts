import os from 'node:os';
import type { LogSummary } from './app-process';
import type { CpuUsage } from './cpu-usage';

/** Each process's CPU per unit of work (`unit`: event, webhook), or a line saying /proc was not readable. */
export function cpuLines(cpu: CpuUsage | null, units: number, unit: string): string[] {
  if (!cpu) return ['    (not readable on this system)'];
  return cpu.processes
    .filter((p) => p.ms > 0)
    .map((p) => `    ${p.name.padEnd(28)} ${(p.ms / Math.max(1, units)).toFixed(3)} ms/${unit}  (${(p.ms / 1000).toFixed(1)} s)`);
}

/** The end of a report: the apps' warnings and errors, how busy the machine was, each check and the verdict. */
export function closingLines(report: {
  logs: Record<string, LogSummary>;
  loadAverage: { start: number; end: number };
  checks: Array<{ name: string; pass: boolean; detail: string }>;
  verdict: string;
}): string[] {
  return [
    ...Object.entries(report.logs)
      .filter(([, logs]) => logs.warnings + logs.errors > 0)
      .map(
        ([service, logs]) =>
          `  logs ${service}: ${logs.warnings} warnings, ${logs.errors} errors (${logs.messages.map((m) => JSON.stringify(m)).join(', ')})`,
      ),
    `  load average ${report.loadAverage.start} at start, ${report.loadAverage.end} at end (${os.cpus().length} CPUs, shared with other work)`,
    ...report.checks.map((c) => `  ${c.pass ? 'ok  ' : 'MISS'} ${c.name}: ${c.detail}`),
    `  verdict: ${report.verdict}`,
    '',
  ];
}
