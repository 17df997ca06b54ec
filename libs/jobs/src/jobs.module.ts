import {
  type BeforeApplicationShutdown,
  type DynamicModule,
  Global,
  Inject,
  Injectable,
  Module,
  type OnApplicationBootstrap,
  Optional,
} from '@nestjs/common';
import { getDataSourceToken } from '@nestjs/typeorm';
import { APP_LOGGER } from '@leadflow/logging';
import type { Logger } from 'pino';
import { Gauge, Registry } from 'prom-client';
import type { DataSource } from 'typeorm';
import type { RetryPolicy } from './backoff';
import { JOBS_COMMITTED, JobQueue } from './job-queue';
import { JobWorker } from './job-worker';
import { JobsRepository } from './jobs.repository';
import { Scheduler } from './scheduler';
import { SchedulesRepository } from './schedules.repository';
import { WakeAfterCommit } from './wake-after-commit';

export interface JobsModuleOptions {
  pollIntervalMs?: number;
  batchSize?: number;
  leaseMs?: number;
  retry?: RetryPolicy;
  defaultMaxAttempts?: number;
}

/**
 * Starts the worker and the scheduler once every module has declared its handlers and tasks (in
 * `onModuleInit`); on shutdown lets the jobs in flight finish. Events they wrote to the outbox are
 * committed rows: the relay's final flush or, if that ran first, the next replica publishes them.
 */
@Injectable()
class JobsRuntime implements OnApplicationBootstrap, BeforeApplicationShutdown {
  constructor(
    @Inject(getDataSourceToken()) private readonly dataSource: DataSource,
    private readonly worker: JobWorker,
    private readonly scheduler: Scheduler,
    private readonly repository: JobsRepository,
    @Optional() private readonly registry?: Registry,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    this.dataSource.subscribers.push(new WakeAfterCommit(JOBS_COMMITTED, () => this.worker.wake()));
    if (this.registry && this.worker.kinds.length > 0) {
      const repository = this.repository;
      new Gauge({
        name: 'jobs_open',
        help: 'Jobs neither completed nor dead-lettered',
        registers: [this.registry],
        async collect() {
          this.set(await repository.openCount().catch(() => -1));
        },
      });
    }
    this.worker.start();
    await this.scheduler.start();
  }

  async beforeApplicationShutdown(): Promise<void> {
    await Promise.all([this.scheduler.stop(), this.worker.stop()]);
  }
}

/**
 * Background jobs and schedules for one app, on its `jobs` and `schedules` tables (jobsTablesV1 in
 * a migration). Features inject JobQueue to add jobs, and JobWorker / Scheduler to declare handlers
 * and tasks in `onModuleInit`.
 */
@Global()
@Module({})
export class JobsModule {
  static forRoot(options: JobsModuleOptions = {}): DynamicModule {
    return {
      module: JobsModule,
      providers: [
        { provide: JobsRepository, inject: [getDataSourceToken()], useFactory: (dataSource: DataSource) => new JobsRepository(dataSource) },
        {
          provide: SchedulesRepository,
          inject: [getDataSourceToken()],
          useFactory: (dataSource: DataSource) => new SchedulesRepository(dataSource),
        },
        {
          provide: JobWorker,
          inject: [JobsRepository, APP_LOGGER],
          useFactory: (repository: JobsRepository, logger: Logger) =>
            new JobWorker(repository, {
              logger: logger.child({ component: 'job-worker' }),
              pollIntervalMs: options.pollIntervalMs,
              batchSize: options.batchSize,
              leaseMs: options.leaseMs,
              retry: options.retry,
            }),
        },
        {
          provide: JobQueue,
          inject: [JobsRepository, JobWorker],
          useFactory: (repository: JobsRepository, worker: JobWorker) =>
            new JobQueue(repository, () => worker.wake(), options.defaultMaxAttempts),
        },
        {
          provide: Scheduler,
          inject: [SchedulesRepository, APP_LOGGER],
          useFactory: (repository: SchedulesRepository, logger: Logger) =>
            new Scheduler(repository, { logger: logger.child({ component: 'scheduler' }), pollIntervalMs: options.pollIntervalMs }),
        },
        JobsRuntime,
      ],
      exports: [JobQueue, JobWorker, Scheduler],
    };
  }
}
