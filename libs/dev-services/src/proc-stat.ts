import { readFile } from 'node:fs/promises';

/**
 * The fields of a Linux `/proc/<pid>/stat` line after the command name, so that `[0]` is the state
 * (field 3 of proc(5)), `[1]` the parent pid, `[11]` and `[12]` the user and system time in ticks.
 * The name (field 2) is in parentheses and may itself hold spaces and parentheses, so the fields
 * start after the last `)`.
 */
export function procStatFields(stat: string): string[] {
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
}

/** Whether the process runs: it exists and is not a zombie waiting to be reaped. */
export async function processRunning(pid: number): Promise<boolean> {
  if (!processExists(pid)) return false;
  const statLine = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => undefined);
  return statLine === undefined || procStatFields(statLine)[0] !== 'Z';
}

/** Whether a process with this pid exists (zombies included); one of another user counts. */
export function processExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
