/**
 * How much memory each app holds, read from Linux's /proc (VmRSS: the resident set, what the
 * process occupies in RAM now). Elsewhere the bench reports no memory figures.
 */
import { readFile } from 'node:fs/promises';

/** Resident memory in MiB, from the text of /proc/<pid>/status; undefined when it has no VmRSS line. */
export function residentMiB(status: string): number | undefined {
  const match = /^VmRSS:\s+(\d+)\s+kB$/m.exec(status);
  return match ? Number(match[1]) / 1024 : undefined;
}

/** Each process's resident memory in MiB, by name; a process that cannot be read is left out. */
export async function residentMemory(pids: ReadonlyMap<string, number>): Promise<Record<string, number>> {
  const entries = await Promise.all(
    [...pids].map(async ([name, pid]) => {
      const status = await readFile(`/proc/${pid}/status`, 'utf8').catch(() => undefined);
      const mib = status === undefined ? undefined : residentMiB(status);
      return mib === undefined ? [] : [[name, mib] as const];
    }),
  );
  return Object.fromEntries(entries.flat());
}
