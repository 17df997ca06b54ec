/**
 * Keeps a server the launcher started itself (its nats-server, its embedded PostgreSQL) running: it
 * is started again after it ends, with the apps' backoff, until it fails too many times in a row.
 */
import type { ServerExit } from '@leadflow/dev-services';
import { consecutiveCrashes, DEFAULT_BACKOFF, restartDelayMs, type BackoffPolicy } from './supervisor';

/** Failures in a row (the server ended, or a restart failed) at which the launcher gives up. */
export const MAX_SERVER_FAILURES = 5;

export interface ServerSupervisorOptions {
  /** How messages name the server: `nats-server on port 4222`. */
  name: string;
  /** What a restart keeps, for the message: `configuration, store and port`. */
  keeps: string;
  /** Starts the server again as it was; resolves once it answers. */
  restart(): Promise<void>;
  log(line: string): void;
  /** Called once, at the last failure allowed: the launcher stops everything, saying `reason`. */
  giveUp(reason: string): void;
  policy?: BackoffPolicy;
  maxFailures?: number;
}

export class ServerSupervisor {
  private failures = 0;
  private timer: NodeJS.Timeout | undefined;
  private restarting: Promise<void> | undefined;
  private stopped = false;

  constructor(private readonly options: ServerSupervisorOptions) {}

  /** The server ended without being asked to (dev-services' `onExit`). */
  exited(exit: ServerExit): void {
    this.failed(`exited unexpectedly (${exit.how}) after ${seconds(exit.uptimeMs)} s`, exit.uptimeMs, exit.lastOutput);
  }

  /** No restarts from now on. Resolves once a restart under way has settled, so that stopping the server then stops it for good. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.restarting;
  }

  private failed(what: string, uptimeMs: number, lastOutput: string): void {
    if (this.stopped) return;
    const { name, keeps, policy = DEFAULT_BACKOFF, maxFailures = MAX_SERVER_FAILURES } = this.options;
    // The apps' rule: failures count in a row unless the server had stayed up long enough.
    this.failures = consecutiveCrashes(this.failures, uptimeMs, policy);
    if (this.failures >= maxFailures) {
      this.stopped = true;
      if (lastOutput) this.options.log(`${name}, its last output:\n${lastOutput}`);
      this.options.giveUp(`${name} failed ${this.failures} times in a row (last: ${what})`);
      return;
    }
    const delayMs = restartDelayMs(this.failures, policy);
    this.options.log(
      `${name} ${what}; restarting it in ${seconds(delayMs)} s with the same ${keeps} ` +
        `(failure ${this.failures} in a row; at ${maxFailures} the launcher stops)`,
    );
    this.timer = setTimeout(() => {
      this.restarting = this.restartNow().finally(() => (this.restarting = undefined));
    }, delayMs);
  }

  private async restartNow(): Promise<void> {
    if (this.stopped) return;
    try {
      await this.options.restart();
    } catch (error) {
      // A restart that fails counts as a failure of a run that lasted no time.
      const [first = '', ...rest] = (error instanceof Error ? error.message : String(error)).split('\n');
      this.failed(`did not restart: ${first}`, 0, rest.join('\n'));
    }
  }
}

function seconds(ms: number): string {
  return (ms / 1000).toFixed(1);
}
