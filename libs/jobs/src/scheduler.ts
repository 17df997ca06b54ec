import { ClaimLoop, type ClaimLoopLogger, errorText } from './claim-loop';
import type { ClaimedRunRow, SchedulesRepository } from './schedules.repository';

/** A task that runs at most once per interval across all the replicas of an app. */
export interface ScheduledTask {
  /** Unique in the app: the schedule's row. */
  name: string;
  intervalMs: number;
  /** `due`: the slot this run is for (a task that covers a window can end it there). */
  run(slot: { due: Date }): Promise<void>;
}

export interface SchedulerOptions {
  logger: ClaimLoopLogger;
  /** How often a replica looks for due schedules. Default 1 s. */
  pollIntervalMs?: number;
  /** How long a run may take before a later slot may start on another replica. Default 5 min. */
  leaseMs?: number;
}

/**
 * Runs named tasks on intervals kept in the `schedules` table: each slot is claimed by one replica
 * (see SchedulesRepository.claimDue), so adding replicas never runs a task more often. A failed run
 * keeps its error on the row and waits for the next slot.
 */
export class Scheduler {
  private readonly tasks = new Map<string, ScheduledTask>();
  private loop: ClaimLoop<ClaimedRunRow> | undefined;

  constructor(
    private readonly repository: SchedulesRepository,
    private readonly options: SchedulerOptions,
  ) {}

  /** Declares a task; before `start`. */
  add(task: ScheduledTask): this {
    if (this.loop) throw new Error(`schedule ${task.name} declared after the scheduler started`);
    if (this.tasks.has(task.name)) throw new Error(`two schedules named ${task.name}`);
    if (!(task.intervalMs > 0)) throw new Error(`schedule ${task.name}: the interval must be positive`);
    this.tasks.set(task.name, task);
    return this;
  }

  /** Records the schedules (first due now when new), then polls; without tasks it does nothing. */
  async start(): Promise<void> {
    if (this.loop || this.tasks.size === 0) return;
    const tasks = [...this.tasks.values()];
    await this.repository.register(tasks.map(({ name, intervalMs }) => ({ name, intervalMs })));
    const names = tasks.map((task) => task.name);
    const { logger } = this.options;
    this.loop = new ClaimLoop<ClaimedRunRow>({
      name: 'scheduler',
      logger,
      queue: {
        claim: (limit, leaseMs) => this.repository.claimDue(names, limit, leaseMs),
        settle: async ({ done, failed }) => {
          await this.repository.markCompleted(done);
          for (const { item, error } of failed) logger.warn({ schedule: item.name, due: item.due, err: error }, 'scheduled run failed');
          await this.repository.markFailed(
            failed.map(({ item, error }) => ({ name: item.name, runs: item.runs, error: errorText(error) })),
          );
        },
      },
      run: (claimed) => this.tasks.get(claimed.name)?.run({ due: claimed.due }) ?? Promise.resolve(),
      batchSize: tasks.length,
      leaseMs: this.options.leaseMs ?? 5 * 60_000,
      pollIntervalMs: this.options.pollIntervalMs ?? 1000,
      failureMeans: 'item',
    });
    this.loop.start();
  }

  /** Starts no run more and waits for the runs in flight. */
  async stop(): Promise<void> {
    await this.loop?.stop();
  }
}
