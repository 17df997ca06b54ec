import { pollDelayMs } from './backoff';

/**
 * A table of work that replicas share. The jobs and schedules hold their rows by leases: a claim
 * marks up to `limit` rows as taken until now + `leaseMs` (`FOR UPDATE SKIP LOCKED` and a
 * `claimed_until` column, in one statement), so no transaction stays open while the work runs and
 * the rows of a replica that died are claimed again once their lease has run out. A queue whose
 * work is short may hold its rows by a transaction instead, from `claim` to `settle` (the outbox
 * relay, with `leaseMs` 0): a replica that dies releases them with its connection.
 */
export interface LeasedQueue<TItem> {
  /** Claims up to `limit` items, in the order they should run. */
  claim(limit: number, leaseMs: number): Promise<TItem[]>;
  /** Records the outcome of one claimed batch, in as few statements as it can. */
  settle(outcome: BatchOutcome<TItem>): Promise<void>;
}

export interface BatchOutcome<TItem> {
  done: TItem[];
  failed: Array<{ item: TItem; error: unknown }>;
}

/** The part of a pino logger the loop writes to. */
export interface ClaimLoopLogger {
  info(details: object, message: string): void;
  warn(details: object, message: string): void;
}

export interface ClaimLoopOptions<TItem> {
  queue: LeasedQueue<TItem>;
  /** Runs one claimed item; a rejection is a failure of that item alone. */
  run(item: TItem): Promise<void>;
  /** Most rows claimed by one statement; their items run concurrently. */
  batchSize: number;
  /**
   * How many claimed rows an item stands for, when `claim` packs several into one (the outbox
   * relay's messages); one by default. A claim that comes back with fewer than `batchSize` rows
   * means the queue is drained for now.
   */
  sizeOf?(item: TItem): number;
  /** How long a claim holds: longer than `run` can take, or another replica runs the item too. */
  leaseMs: number;
  /** The safety-net poll when nobody wakes the loop. */
  pollIntervalMs: number;
  /**
   * Least time between the starts of two passes (default 0): a wake sooner after the last pass
   * began waits for the rest, so that under load the work woken meanwhile is claimed together
   * (the outbox relay), while a wake after a quiet spell is served at once.
   */
  minPassIntervalMs?: number;
  /** Longest sleep after failed passes (default 30 s). */
  maxPollDelayMs?: number;
  /**
   * What a failed item says. `item` (jobs): its own problem; it is settled (retried later by the
   * queue's rule) and the loop goes on. `downstream` (the outbox relay): the place the items go is
   * unavailable; the pass counts as failed and the loop backs off before claiming again, so that a
   * released item is not claimed again at once, in a tight loop, while the outage lasts.
   */
  failureMeans: 'item' | 'downstream';
  /** On stop, run what is still claimable (the outbox flush) instead of only finishing the batch in flight. */
  drainOnStop?: boolean;
  logger: ClaimLoopLogger;
  /** Names the loop in its log lines. */
  name: string;
}

export class DownstreamFailure extends Error {
  constructor(
    readonly failed: number,
    readonly firstError: unknown,
  ) {
    super(`${failed} items could not be processed: ${firstError instanceof Error ? firstError.message : String(firstError)}`);
  }
}

/**
 * The lease-based claim loop shared by the outbox relay, the job workers and the schedules: claim a
 * batch, run its items, settle them; again while batches come back full; then sleep until woken
 * (after a commit that added work) or until the poll interval has passed. Framework-free: a Nest
 * provider or a test owns its start and stop.
 */
export class ClaimLoop<TItem> {
  private running = false;
  private loopDone: Promise<void> = Promise.resolve();
  private wakeUp: (() => void) | undefined;
  private wakeRequested = false;
  private failures = 0;

  constructor(private readonly options: ClaimLoopOptions<TItem>) {
    if (options.batchSize < 1) throw new Error(`${options.name}: batchSize must be at least 1`);
  }

  get isRunning(): boolean {
    return this.running;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loopDone = this.loop();
  }

  /** Makes a sleeping loop take a pass now; one that is busy takes another pass when done. */
  wake(): void {
    this.wakeRequested = true;
    this.wakeUp?.();
  }

  /**
   * Claims nothing more and waits for the batch in flight to be settled; with `drainOnStop`, then
   * runs what is still claimable. Items claimed and not settled (a crash) come back when their lease
   * runs out.
   */
  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    this.wake();
    await this.loopDone;
    if (this.options.drainOnStop) {
      await this.drain().catch((error: unknown) =>
        this.options.logger.warn({ err: error }, `${this.options.name} not fully drained at stop`),
      );
    }
  }

  /**
   * Runs batches until one comes back short of `batchSize`; returns how many items succeeded.
   * With `failureMeans: 'downstream'`, throws a DownstreamFailure after a batch with failed items.
   */
  drain(): Promise<number> {
    return this.runBatches(() => true);
  }

  private async runBatches(goOn: () => boolean): Promise<number> {
    let total = 0;
    for (;;) {
      const { claimed, done, failed } = await this.runBatch();
      total += done;
      if (failed.length > 0 && this.options.failureMeans === 'downstream') throw new DownstreamFailure(failed.length, failed[0]);
      if (claimed < this.options.batchSize || !goOn()) return total;
    }
  }

  private async loop(): Promise<void> {
    const { logger, name } = this.options;
    let passStartedAt = Number.NEGATIVE_INFINITY;
    while (this.running) {
      const spacing = passStartedAt + (this.options.minPassIntervalMs ?? 0) - Date.now();
      // Wakes meanwhile do not end this wait; they are served by the pass it leads to.
      if (spacing > 0) await this.sleep(spacing, { wokenByStopOnly: true });
      if (!this.running) break;
      passStartedAt = Date.now();
      this.wakeRequested = false;
      try {
        // A stop ends the pass after the batch in flight.
        await this.runBatches(() => this.running);
        if (this.failures > 0) logger.info({ afterFailures: this.failures }, `${name} working again`);
        this.failures = 0;
      } catch (error) {
        this.failures += 1;
        // One line per outage, then one a minute, so that a long outage does not flood the log.
        if (this.failures === 1 || this.failures % 60 === 0) {
          logger.warn({ err: error, failures: this.failures }, `${name} pass failed; will retry`);
        }
      }
      if (!this.running || this.wakeRequested) continue;
      await this.sleep(pollDelayMs(this.options.pollIntervalMs, this.failures, this.options.maxPollDelayMs));
    }
  }

  /** Waits `ms`, or until woken (with `wokenByStopOnly`, until stopped). */
  private async sleep(ms: number, { wokenByStopOnly = false } = {}): Promise<void> {
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, ms);
      this.wakeUp = () => {
        if (wokenByStopOnly && this.running) return;
        clearTimeout(timer);
        resolve();
      };
    });
    this.wakeUp = undefined;
  }

  private async runBatch(): Promise<{ claimed: number; done: number; failed: unknown[] }> {
    const { queue, run, batchSize, leaseMs } = this.options;
    const items = await queue.claim(batchSize, leaseMs);
    if (items.length === 0) return { claimed: 0, done: 0, failed: [] };
    const sizeOf = this.options.sizeOf ?? (() => 1);
    const results = await Promise.allSettled(items.map((item) => run(item)));
    const outcome: BatchOutcome<TItem> = { done: [], failed: [] };
    results.forEach((result, i) => {
      const item = items[i] as TItem;
      if (result.status === 'fulfilled') outcome.done.push(item);
      else outcome.failed.push({ item, error: result.reason });
    });
    await queue.settle(outcome);
    const rows = (list: TItem[]): number => list.reduce((sum, item) => sum + sizeOf(item), 0);
    return { claimed: rows(items), done: rows(outcome.done), failed: outcome.failed.map((f) => f.error) };
  }
}

/** The message of an error as a row keeps it (bounded, so that a huge stack cannot bloat the table). */
export function errorText(error: unknown, max = 1000): string {
  const text = error instanceof Error ? error.message || error.name : String(error);
  return text.slice(0, max);
}
