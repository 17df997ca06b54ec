import type { EntityManager } from 'typeorm';
import { v7 as uuidv7 } from 'uuid';
import type { JobsRepository } from './jobs.repository';
import { WakeAfterCommit } from './wake-after-commit';

export interface NewJob<TPayload extends object = object> {
  kind: string;
  /** The tenant the job works for; absent for platform work. */
  workspaceId?: string;
  payload: TPayload;
  /** Not before this time (default: now). */
  runAt?: Date;
  /** Attempts before the job is dead-lettered (default: the queue's). */
  maxAttempts?: number;
}

export const JOBS_COMMITTED = 'leadflow.jobsWritten';
export const DEFAULT_MAX_ATTEMPTS = 5;

/** Adds jobs to the app's `jobs` table, in the caller's transaction when it has one. */
export class JobQueue {
  constructor(
    private readonly repository: JobsRepository,
    /** Wakes the app's worker. */
    private readonly wakeWorker: () => void = () => undefined,
    private readonly defaultMaxAttempts = DEFAULT_MAX_ATTEMPTS,
  ) {}

  /**
   * Adds jobs with one statement; returns their ids. Inside a transaction (`manager` of
   * `dataSource.transaction`) the jobs exist exactly when it commits, and the worker is woken then.
   */
  async add(jobs: ReadonlyArray<NewJob>, manager?: EntityManager): Promise<string[]> {
    if (jobs.length === 0) return [];
    const rows = jobs.map((job) => ({
      id: uuidv7(),
      kind: job.kind,
      workspaceId: job.workspaceId ?? null,
      payload: job.payload,
      maxAttempts: job.maxAttempts ?? this.defaultMaxAttempts,
      runAt: job.runAt ?? null,
    }));
    await this.repository.insert(rows, manager);
    WakeAfterCommit.markOrWake(manager, JOBS_COMMITTED, this.wakeWorker);
    return rows.map((row) => row.id);
  }
}
