/**
 * Where the CPU went during a measured load: the busy time of the whole machine and of each process
 * around the target (the target's own processes, its PostgreSQL backends, the NATS server, the load
 * generator), read from Linux's /proc before and after. Elsewhere the bench reports no CPU figures.
 */
import { readdir, readFile } from 'node:fs/promises';
import { procStatFields } from '@leadflow/dev-services';
import type { Pool } from 'pg';

/** Linux reports CPU time in /proc in units of USER_HZ, which is 100 on every architecture Node runs on. */
const MS_PER_TICK = 10;

export interface ProcessCpu {
  name: string;
  ms: number;
}

export interface CpuUsage {
  /** Wall-clock seconds between the two readings. */
  windowS: number;
  /** Busy time of all CPUs together over the window (what is not idle or waiting for I/O). */
  machineMs: number;
  /** Per named group of processes, busiest first; what the machine spent beyond them is `other`. */
  processes: ProcessCpu[];
}

/** Named groups of process ids; a process may join between the readings (it then counts from zero). */
export type ProcessGroups = Map<string, number[]>;

/** utime + stime of one process (all its threads), in ticks, from the text of /proc/<pid>/stat. */
export function processTicks(stat: string): number {
  const fields = procStatFields(stat);
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  if (!Number.isFinite(utime) || !Number.isFinite(stime)) throw new Error(`unreadable /proc stat line: ${stat.slice(0, 80)}`);
  return utime + stime;
}

/** Busy ticks of all CPUs together, from the text of /proc/stat (its first line sums every CPU). */
export function machineBusyTicks(procStat: string): number {
  const line = procStat.split('\n').find((l) => l.startsWith('cpu '));
  if (!line) throw new Error('/proc/stat has no cpu line');
  // user nice system idle iowait irq softirq steal [guest guest_nice, already counted in user/nice]
  const [user, nice, system, , , irq, softirq, steal] = line.trim().split(/\s+/).slice(1).map(Number);
  return [user, nice, system, irq, softirq, steal].reduce((sum: number, value) => sum + (value ?? 0), 0);
}

interface Reading {
  at: number;
  machine: number;
  /** Ticks per pid, per group. */
  groups: Map<string, Map<number, number>>;
}

async function readTicks(pid: number): Promise<number | undefined> {
  try {
    return processTicks(await readFile(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return undefined; // gone, or not on this host
  }
}

/**
 * The machine is read first at the start and last at the end, so that its window holds the
 * processes' windows.
 */
async function read(groups: ProcessGroups, side: 'start' | 'end'): Promise<Reading> {
  const machine = (): Promise<number> => readFile('/proc/stat', 'utf8').then(machineBusyTicks);
  const reading: Reading = { at: Date.now(), machine: side === 'start' ? await machine() : 0, groups: new Map() };
  for (const [name, pids] of groups) {
    const ticks = new Map<number, number>();
    for (const pid of new Set(pids)) {
      const value = await readTicks(pid);
      if (value !== undefined) ticks.set(pid, value);
    }
    reading.groups.set(name, ticks);
  }
  if (side === 'end') reading.machine = await machine();
  return reading;
}

/** The CPU each group and the machine spent between two readings. */
export function usageBetween(start: Reading, end: Reading): CpuUsage {
  const processes: ProcessCpu[] = [];
  for (const [name, after] of end.groups) {
    const before = start.groups.get(name) ?? new Map<number, number>();
    let ticks = 0;
    for (const [pid, value] of after) ticks += value - (before.get(pid) ?? 0);
    processes.push({ name, ms: ticks * MS_PER_TICK });
  }
  const machineMs = (end.machine - start.machine) * MS_PER_TICK;
  const counted = processes.reduce((sum, p) => sum + p.ms, 0);
  processes.sort((a, b) => b.ms - a.ms);
  processes.push({ name: 'other', ms: Math.max(0, machineMs - counted) });
  return { windowS: (end.at - start.at) / 1000, machineMs, processes };
}

/**
 * Measures from `start()` to `stop()`. The groups are asked for at both ends, so that processes
 * that appear during the load (a new database connection) are counted too.
 */
export class CpuMeter {
  private constructor(
    private readonly groups: () => Promise<ProcessGroups>,
    private readonly first: Reading,
  ) {}

  /** Undefined where /proc cannot be read (not Linux). */
  static async start(groups: () => Promise<ProcessGroups>): Promise<CpuMeter | undefined> {
    try {
      return new CpuMeter(groups, await read(await groups(), 'start'));
    } catch {
      return undefined;
    }
  }

  async stop(): Promise<CpuUsage> {
    const groups = await this.groups();
    // A process seen only at the start is still read at the end, and one seen only at the end counts from zero.
    for (const [name, ticks] of this.first.groups) groups.set(name, [...(groups.get(name) ?? []), ...ticks.keys()]);
    return usageBetween(this.first, await read(groups, 'end'));
  }
}

/**
 * PostgreSQL's processes for one database, when the server runs on this host: its client backends
 * named by `labelOf(role)` (undefined leaves a role out), and the server's background processes
 * (WAL writer, checkpointer, …), which work for every database.
 */
export async function postgresGroups(db: Pool, database: string, labelOf: (role: string) => string | undefined): Promise<ProcessGroups> {
  const { rows } = await db.query<{ pid: number; role: string | null; client: boolean; own: boolean }>(
    `SELECT "pid", "usename" AS "role", "backend_type" = 'client backend' AS "client", "pid" = pg_backend_pid() AS "own"
     FROM pg_stat_activity WHERE "datname" = $1 OR "datname" IS NULL`,
    [database],
  );
  const groups: ProcessGroups = new Map();
  const add = (name: string, pid: number): void => void groups.set(name, [...(groups.get(name) ?? []), pid]);
  for (const row of rows) {
    // A server on another host has other pids: a number here may be an unrelated local process.
    if (row.own || (await commandOf(row.pid)) !== 'postgres') continue;
    if (!row.client) add('postgres: background', row.pid);
    else {
      const label = row.role === null ? undefined : labelOf(row.role);
      if (label) add(`postgres: ${label}`, row.pid);
    }
  }
  return groups;
}

/** Every `nats-server` process on this host. */
export async function natsServerPids(): Promise<number[]> {
  const pids: number[] = [];
  for (const entry of await readdir('/proc').catch(() => [] as string[])) {
    if (/^\d+$/.test(entry) && (await commandOf(Number(entry))) === 'nats-server') pids.push(Number(entry));
  }
  return pids;
}

/** The command name of a process on this host, or undefined. */
async function commandOf(pid: number): Promise<string | undefined> {
  return readFile(`/proc/${pid}/comm`, 'utf8').then(
    (comm) => comm.trim(),
    () => undefined,
  );
}
