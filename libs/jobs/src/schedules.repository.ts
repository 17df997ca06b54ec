import { qualifiedTable } from '@leadflow/database';
import type { DataSource } from 'typeorm';
import { nextRunAt } from './backoff';

/** One run of a schedule, claimed by one replica. */
export interface ClaimedRunRow {
  name: string;
  /** The slot this run is for. */
  due: Date;
  /** Counts the runs started, this one included: fences its settlement. */
  runs: number;
}

interface DueRecord {
  name: string;
  interval_ms: string;
  next_run_at: Date;
  now: Date;
}

/** The SQL of the `schedules` table: one row per named task, shared by the replicas. */
export class SchedulesRepository {
  constructor(private readonly dataSource: DataSource) {}

  private get table(): string {
    return qualifiedTable(this.dataSource, 'schedules');
  }

  /**
   * Makes sure each schedule has its row, first due now; an existing row keeps its next run and
   * takes the interval given (the code's interval is the truth).
   */
  async register(schedules: ReadonlyArray<{ name: string; intervalMs: number }>): Promise<void> {
    if (schedules.length === 0) return;
    await this.dataSource.query(
      `INSERT INTO ${this.table} ("name", "interval_ms", "next_run_at")
       SELECT s."name", s."interval_ms", now() FROM unnest($1::text[], $2::bigint[]) AS s("name", "interval_ms")
       ON CONFLICT ("name") DO UPDATE SET "interval_ms" = EXCLUDED."interval_ms"`,
      [schedules.map((s) => s.name), schedules.map((s) => s.intervalMs)],
    );
  }

  /**
   * Claims the due runs of these schedules for `leaseMs` and moves each one's next run to its next
   * slot after the database's now, in one short transaction: a replica that reads the row after
   * this commit finds it not due, one that reads it meanwhile skips it (SKIP LOCKED), so a slot
   * runs once across all replicas, and never while the previous run still holds its lease.
   */
  async claimDue(names: readonly string[], limit: number, leaseMs: number): Promise<ClaimedRunRow[]> {
    const table = this.table;
    return this.dataSource.transaction(async (manager) => {
      const due = (await manager.query(
        `SELECT "name", "interval_ms", "next_run_at", now() AS "now" FROM ${table}
         WHERE "name" = ANY($1::text[]) AND "next_run_at" <= now() AND ("claimed_until" IS NULL OR "claimed_until" < now())
         ORDER BY "next_run_at", "name" LIMIT $2 FOR UPDATE SKIP LOCKED`,
        [names, limit],
      )) as DueRecord[];
      if (due.length === 0) return [];
      const [claimed] = (await manager.query(
        `UPDATE ${table} s SET "next_run_at" = c."next_run_at", "claimed_until" = now() + make_interval(secs => $3::float8 / 1000),
             "runs" = s."runs" + 1, "last_started_at" = now()
           FROM unnest($1::text[], $2::timestamptz[]) AS c("name", "next_run_at")
           WHERE s."name" = c."name"
           RETURNING s."name", s."runs"`,
        [due.map((row) => row.name), due.map((row) => nextRunAt(row.next_run_at, row.now, Number(row.interval_ms)).toISOString()), leaseMs],
      )) as [Array<{ name: string; runs: string }>, number];
      const runs = new Map(claimed.map((row) => [row.name, Number(row.runs)]));
      return due.map((row) => ({ name: row.name, due: row.next_run_at, runs: runs.get(row.name) ?? 0 }));
    });
  }

  async markCompleted(runs: ReadonlyArray<{ name: string; runs: number }>): Promise<void> {
    if (runs.length === 0) return;
    await this.dataSource.query(
      `UPDATE ${this.table} s SET "claimed_until" = NULL, "last_completed_at" = now(), "last_error" = NULL
       FROM unnest($1::text[], $2::bigint[]) AS r("name", "runs") WHERE s."name" = r."name" AND s."runs" = r."runs"`,
      [runs.map((run) => run.name), runs.map((run) => run.runs)],
    );
  }

  /** A failed run frees its schedule for its next slot and keeps its error. */
  async markFailed(runs: ReadonlyArray<{ name: string; runs: number; error: string }>): Promise<void> {
    if (runs.length === 0) return;
    await this.dataSource.query(
      `UPDATE ${this.table} s SET "claimed_until" = NULL, "last_error" = r."error"
       FROM unnest($1::text[], $2::bigint[], $3::text[]) AS r("name", "runs", "error") WHERE s."name" = r."name" AND s."runs" = r."runs"`,
      [runs.map((run) => run.name), runs.map((run) => run.runs), runs.map((run) => run.error)],
    );
  }
}
