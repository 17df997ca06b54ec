import { DEFAULT_RETRY_POLICY, type RetryPolicy, retryDelayMs } from './backoff';
import { ClaimLoop, type ClaimLoopLogger, errorText } from './claim-loop';
import type { ClaimedJobRow, JobsRepository } from './jobs.repository';

/** One attempt of a job, as its handler sees it. */
export interface Job<TPayload = unknown> {
  id: string;
  kind: string;
  workspaceId: string | null;
  payload: TPayload;
  /** 1 on the first attempt. */
  attempt: number;
  maxAttempts: number;
}

export type JobHandler<TPayload = unknown> = (job: Job<TPayload>) => Promise<void>;

/** Thrown by a handler for a job that no retry can fix (its payload is wrong): dead-lettered at once. */
export class PermanentJobFailure extends Error {
  override readonly name = 'PermanentJobFailure';
}

export interface JobWorkerOptions {
  logger: ClaimLoopLogger;
  /** Safety-net poll; enqueues in this process wake the worker at once. Default 1 s. */
  pollIntervalMs?: number;
  /** Jobs claimed together, run concurrently. Default 10. */
  batchSize?: number;
  /** How long an attempt may run before another replica may take the job. Default 5 min. */
  leaseMs?: number;
  retry?: RetryPolicy;
}

/**
 * Runs the jobs of the kinds it has handlers for: claims them with a lease, runs them, and marks
 * each done, or releases it for a retry after a growing delay, or dead-letters it once its attempts
 * are used up, keeping the last error on the row. Replicas share the table; a job whose runner died
 * is taken again when its lease runs out.
 */
export class JobWorker {
  private readonly handlers = new Map<string, JobHandler>();
  private readonly retry: RetryPolicy;
  private loop: ClaimLoop<ClaimedJobRow> | undefined;

  constructor(
    private readonly repository: JobsRepository,
    private readonly options: JobWorkerOptions,
  ) {
    this.retry = options.retry ?? DEFAULT_RETRY_POLICY;
  }

  /** Declares the handler of a kind; before `start`. */
  handle<TPayload>(kind: string, handler: JobHandler<TPayload>): this {
    if (this.loop) throw new Error(`job kind ${kind} declared after the worker started`);
    if (this.handlers.has(kind)) throw new Error(`two handlers for job kind ${kind}`);
    this.handlers.set(kind, handler as JobHandler);
    return this;
  }

  get kinds(): string[] {
    return [...this.handlers.keys()];
  }

  /** Starts claiming; a worker with no handler claims nothing and does not start. */
  start(): void {
    if (this.loop || this.handlers.size === 0) return;
    const kinds = this.kinds;
    this.loop = new ClaimLoop<ClaimedJobRow>({
      name: 'job worker',
      logger: this.options.logger,
      queue: {
        claim: (limit, leaseMs) => this.repository.claim(kinds, limit, leaseMs),
        settle: async ({ done, failed }) => {
          await this.repository.markCompleted(done);
          await this.repository.markFailed(
            failed.map(({ item, error }) => {
              const dead = item.attempts >= item.maxAttempts || error instanceof PermanentJobFailure;
              const details = { jobId: item.id, kind: item.kind, attempt: item.attempts, err: error };
              if (dead) this.options.logger.warn(details, 'job dead-lettered');
              else this.options.logger.info(details, 'job failed; will retry');
              return {
                id: item.id,
                attempts: item.attempts,
                error: errorText(error),
                dead,
                retryInMs: retryDelayMs(item.attempts, this.retry),
              };
            }),
          );
        },
      },
      run: (row) => this.run(row),
      batchSize: this.options.batchSize ?? 10,
      leaseMs: this.options.leaseMs ?? 5 * 60_000,
      pollIntervalMs: this.options.pollIntervalMs ?? 1000,
      failureMeans: 'item',
    });
    this.loop.start();
  }

  wake(): void {
    this.loop?.wake();
  }

  /** Claims nothing more and waits for the attempts in flight to be settled. */
  async stop(): Promise<void> {
    await this.loop?.stop();
  }

  /** Runs due jobs until none is left, between polls (tests, tools). */
  async drain(): Promise<number> {
    if (!this.loop) throw new Error('the job worker has not started');
    return this.loop.drain();
  }

  private async run(row: ClaimedJobRow): Promise<void> {
    const handler = this.handlers.get(row.kind);
    if (!handler) throw new PermanentJobFailure(`no handler for job kind ${row.kind}`);
    await handler({
      id: row.id,
      kind: row.kind,
      workspaceId: row.workspaceId,
      payload: row.payload,
      attempt: row.attempts,
      maxAttempts: row.maxAttempts,
    });
  }
}
