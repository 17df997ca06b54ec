/** One server the bench runs as a child process (a platform app or the baseline): start, readiness, stop. */
import { spawn, type ChildProcess } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { HEALTH_PATHS } from '@leadflow/contracts';
import { forEachLine, guardChild, LineTail } from '@leadflow/dev-services';
import { pollUntilReady } from '../launcher/readiness';

const STOP_GRACE_MS = 5000;
/** Distinct warning/error messages kept per process for the report. */
const KEPT_MESSAGES = 5;

export interface AppProcessSpec {
  name: string;
  /** Arguments to `node`. */
  args: string[];
  cwd: string;
  env: NodeJS.ProcessEnv;
  port: number;
}

export interface LogSummary {
  warnings: number;
  errors: number;
  /** The first distinct messages at warn level and above. */
  messages: string[];
}

export class AppProcess {
  private readonly tail = new LineTail(30);
  private readonly exited: Promise<void>;
  private readonly logs: LogSummary = { warnings: 0, errors: 0, messages: [] };
  private exitDescription: string | undefined;
  private stopping = false;

  private constructor(
    readonly name: string,
    readonly port: number,
    private readonly child: ChildProcess,
  ) {
    forEachLine(child.stdout, (line) => this.onLine(line));
    forEachLine(child.stderr, (line) => this.onLine(line));
    this.exited = new Promise((resolve) => {
      child.once('close', (code: number | null, signal: NodeJS.Signals | null) => {
        this.exitDescription = signal ? `signal ${signal}` : `exit code ${code}`;
        resolve();
      });
      child.once('error', (error) => {
        this.exitDescription = error.message;
        resolve();
      });
    });
  }

  static start(spec: AppProcessSpec): AppProcess {
    const child = spawn(process.execPath, spec.args, {
      cwd: spec.cwd,
      env: spec.env,
      stdio: ['ignore', 'pipe', 'pipe'],
      // Own process group: Ctrl-C reaches the bench only, which then stops the apps itself (and
      // still cleans up the database and streams while they go).
      detached: true,
    });
    // Covers a bench that dies without running its clean-up (SIGKILL, crash).
    guardChild(child, { signal: 'SIGTERM', group: true });
    return new AppProcess(spec.name, spec.port, child);
  }

  url(pathname: string): string {
    return `http://127.0.0.1:${this.port}${pathname}`;
  }

  /** Resolves once `/health/ready` answers 200; rejects with the process's last output otherwise. */
  async waitUntilReady(timeoutMs: number): Promise<void> {
    const giveUp = new AbortController();
    const timer = setTimeout(() => giveUp.abort(), timeoutMs);
    void this.exited.then(() => giveUp.abort());
    const ready = await pollUntilReady(this.url(HEALTH_PATHS.ready), { signal: giveUp.signal, intervalMs: 200 });
    clearTimeout(timer);
    if (ready) return;
    const why = this.exitDescription ? `exited during start-up (${this.exitDescription})` : `was not ready within ${timeoutMs / 1000} s`;
    throw new Error(`${this.name} ${why}; its last output:\n${this.tail}`);
  }

  /** Why the process ended when nobody asked it to; undefined while it runs or after stop(). */
  get crash(): string | undefined {
    return this.exitDescription !== undefined && !this.stopping ? `${this.name} exited (${this.exitDescription})` : undefined;
  }

  get logSummary(): LogSummary {
    return { ...this.logs, messages: [...this.logs.messages] };
  }

  /** The process id, for reading its CPU time; undefined when it could not be started. */
  get pid(): number | undefined {
    return this.child.pid;
  }

  get lastOutput(): string {
    return this.tail.toString();
  }

  /** SIGTERM, then SIGKILL to its process group after a grace period; resolves once it is gone. */
  async stop(): Promise<void> {
    if (this.exitDescription !== undefined) return;
    this.stopping = true;
    this.child.kill('SIGTERM');
    const gone = await Promise.race([this.exited.then(() => true), sleep(STOP_GRACE_MS, false, { ref: false })]);
    if (!gone && this.child.pid !== undefined) {
      try {
        process.kill(-this.child.pid, 'SIGKILL');
      } catch {
        // already gone
      }
      await this.exited;
    }
  }

  private onLine(line: string): void {
    this.tail.add(line);
    const level = logLevelOf(line);
    if (level === 'warn') this.logs.warnings += 1;
    else if (level === 'error' || level === 'fatal') this.logs.errors += 1;
    else return;
    const message = messageOf(line);
    if (this.logs.messages.length < KEPT_MESSAGES && !this.logs.messages.includes(message)) this.logs.messages.push(message);
  }
}

interface LogLine {
  level?: unknown;
  msg?: unknown;
}

function parseLogLine(line: string): LogLine | undefined {
  if (!line.startsWith('{')) return undefined;
  try {
    const parsed: unknown = JSON.parse(line);
    return typeof parsed === 'object' && parsed !== null ? (parsed as LogLine) : undefined;
  } catch {
    return undefined;
  }
}

function logLevelOf(line: string): string | undefined {
  const level = parseLogLine(line)?.level;
  return typeof level === 'string' ? level : undefined;
}

function messageOf(line: string): string {
  const message = parseLogLine(line)?.msg;
  return typeof message === 'string' ? message : line.slice(0, 200);
}
