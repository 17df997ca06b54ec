/** Runs one app as a child process and restarts it, with exponential backoff, when it crashes. */
import { spawn, type ChildProcess } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { forEachLine, guardChild } from '@leadflow/dev-services';

export interface BackoffPolicy {
  /** Delay before the first restart after a crash. */
  initialDelayMs: number;
  /** The delay doubles per consecutive crash up to this. */
  maxDelayMs: number;
  /** A run that lasted this long counts as healthy: the next crash starts from the initial delay. */
  resetAfterMs: number;
}

export const DEFAULT_BACKOFF: BackoffPolicy = { initialDelayMs: 1000, maxDelayMs: 30_000, resetAfterMs: 60_000 };

/** The number of consecutive crashes, counting one that ended a run of `uptimeMs`. */
export function consecutiveCrashes(previous: number, uptimeMs: number, policy: BackoffPolicy = DEFAULT_BACKOFF): number {
  return uptimeMs >= policy.resetAfterMs ? 1 : previous + 1;
}

/** Delay before restarting after the `crashes`-th consecutive crash: 1 s, 2 s, 4 s, … capped at 30 s. */
export function restartDelayMs(crashes: number, policy: BackoffPolicy = DEFAULT_BACKOFF): number {
  const doublings = Math.min(Math.max(crashes, 1) - 1, 30);
  return Math.min(policy.maxDelayMs, policy.initialDelayMs * 2 ** doublings);
}

export interface ProcessSpec {
  name: string;
  command: string;
  args: string[];
  cwd: string;
  env: NodeJS.ProcessEnv;
}

export interface CrashReport {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** Set when the process could not be spawned at all. */
  error?: string;
  uptimeMs: number;
  crashes: number;
  restartInMs: number;
}

export interface SupervisorListener {
  onOutput(stream: 'stdout' | 'stderr', line: string): void;
  onSpawn(pid: number, run: number): void;
  onCrash(report: CrashReport): void;
}

export type StopOutcome = 'not-running' | 'exited' | 'killed';

type State = 'idle' | 'running' | 'restart-pending' | 'stopping' | 'stopped';

export class Supervisor {
  private state: State = 'idle';
  private child: ChildProcess | undefined;
  private closed: Promise<void> = Promise.resolve();
  private restartTimer: NodeJS.Timeout | undefined;
  private crashes = 0;
  private runs = 0;

  constructor(
    private readonly spec: ProcessSpec,
    private readonly listener: SupervisorListener,
    private readonly policy: BackoffPolicy = DEFAULT_BACKOFF,
  ) {}

  get pid(): number | undefined {
    return this.child?.pid;
  }

  start(): void {
    if (this.state !== 'idle' && this.state !== 'restart-pending') return;
    this.restartTimer = undefined;
    this.state = 'running';
    this.runs += 1;
    const startedAt = Date.now();
    const child = spawn(this.spec.command, this.spec.args, {
      cwd: this.spec.cwd,
      env: this.spec.env,
      stdio: ['ignore', 'pipe', 'pipe'],
      // Own process group: a Ctrl-C in the terminal reaches only the launcher, which stops apps in order.
      detached: true,
    });
    this.child = child;
    guardChild(child, { signal: 'SIGTERM', group: true });
    forEachLine(child.stdout, (line) => this.listener.onOutput('stdout', line));
    forEachLine(child.stderr, (line) => this.listener.onOutput('stderr', line));
    if (child.pid !== undefined) this.listener.onSpawn(child.pid, this.runs);

    this.closed = new Promise<void>((resolve) => {
      let spawnError: string | undefined;
      child.once('error', (error) => {
        spawnError = error.message;
        if (child.pid === undefined) finish(null, null); // never started: no 'close' follows
      });
      const finish = (code: number | null, signal: NodeJS.Signals | null): void => {
        if (this.child !== child) return resolve();
        this.child = undefined;
        resolve();
        this.afterExit({ code, signal, error: spawnError, uptimeMs: Date.now() - startedAt });
      };
      child.once('close', (code: number | null, signal: NodeJS.Signals | null) => finish(code, signal));
    });
  }

  /** SIGTERM, then SIGKILL (to its process group) after `graceMs`; cancels a pending restart. */
  async stop(graceMs: number): Promise<StopOutcome> {
    if (this.restartTimer) clearTimeout(this.restartTimer);
    this.restartTimer = undefined;
    const child = this.child;
    this.state = child ? 'stopping' : 'stopped';
    if (!child) return 'not-running';
    signal(child, 'SIGTERM', false);
    const exited = await Promise.race([this.closed.then(() => true), sleep(graceMs).then(() => false)]);
    if (exited) {
      this.state = 'stopped';
      return 'exited';
    }
    signal(child, 'SIGKILL', true);
    await this.closed;
    this.state = 'stopped';
    return 'killed';
  }

  /** SIGKILL now, no restart. */
  kill(): void {
    if (this.restartTimer) clearTimeout(this.restartTimer);
    this.state = 'stopped';
    if (this.child) signal(this.child, 'SIGKILL', true);
  }

  private afterExit(exit: { code: number | null; signal: NodeJS.Signals | null; error?: string; uptimeMs: number }): void {
    if (this.state !== 'running') return; // stopping on purpose
    this.crashes = consecutiveCrashes(this.crashes, exit.uptimeMs, this.policy);
    const restartInMs = restartDelayMs(this.crashes, this.policy);
    this.state = 'restart-pending';
    this.listener.onCrash({ ...exit, crashes: this.crashes, restartInMs });
    this.restartTimer = setTimeout(() => this.start(), restartInMs);
  }
}

function signal(child: ChildProcess, name: NodeJS.Signals, wholeGroup: boolean): void {
  if (child.pid === undefined) return;
  try {
    process.kill(wholeGroup ? -child.pid : child.pid, name);
  } catch {
    // already gone
  }
}
