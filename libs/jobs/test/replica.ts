import { openSchemaDataSource, schemaDataSourceOptions } from '@leadflow/database';
import type { DataSource, MigrationInterface, QueryRunner } from 'typeorm';
import {
  JOBS_COMMITTED,
  JobQueue,
  JobsRepository,
  jobsTablesV1,
  JobWorker,
  type JobWorkerOptions,
  Scheduler,
  SchedulesRepository,
  WakeAfterCommit,
} from '../src';

export const SCHEMA = 'worker';

class JobsTables1795700000000 implements MigrationInterface {
  name = 'JobsTables1795700000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    for (const statement of jobsTablesV1(SCHEMA).up) await queryRunner.query(statement);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    for (const statement of jobsTablesV1(SCHEMA).down) await queryRunner.query(statement);
  }
}

export const silentLogger = { info: () => undefined, warn: () => undefined };

/** One "replica" of an app in-process: its own connection pool on the shared schema. */
export class Replica {
  readonly jobs: JobsRepository;
  readonly schedules: SchedulesRepository;
  readonly queue: JobQueue;
  private workers: JobWorker[] = [];
  private schedulers: Scheduler[] = [];

  private constructor(readonly dataSource: DataSource) {
    this.jobs = new JobsRepository(dataSource);
    this.schedules = new SchedulesRepository(dataSource);
    const wakeWorkers = () => this.workers.forEach((worker) => worker.wake());
    this.queue = new JobQueue(this.jobs, wakeWorkers);
    dataSource.subscribers.push(new WakeAfterCommit(JOBS_COMMITTED, wakeWorkers));
  }

  static async open(url: string, name: string): Promise<Replica> {
    const dataSource = await openSchemaDataSource(
      schemaDataSourceOptions({ url, schema: SCHEMA, poolSize: 4, applicationName: name, migrations: [JobsTables1795700000000] }),
    );
    return new Replica(dataSource);
  }

  worker(options: Partial<JobWorkerOptions> = {}): JobWorker {
    const worker = new JobWorker(this.jobs, { logger: silentLogger, pollIntervalMs: 50, ...options });
    this.workers.push(worker);
    return worker;
  }

  scheduler(pollIntervalMs: number, leaseMs?: number): Scheduler {
    const scheduler = new Scheduler(this.schedules, { logger: silentLogger, pollIntervalMs, leaseMs });
    this.schedulers.push(scheduler);
    return scheduler;
  }

  async stopAll(): Promise<void> {
    await Promise.all([...this.workers, ...this.schedulers].map((loop) => loop.stop()));
    this.workers = [];
    this.schedulers = [];
  }

  async close(): Promise<void> {
    await this.stopAll();
    await this.dataSource.destroy();
  }
}
