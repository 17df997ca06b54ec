import { qualifiedTable, type SqlRunner } from '@leadflow/database';
import type { DataSource } from 'typeorm';

export interface NewJobRow {
  id: string;
  kind: string;
  workspaceId: string | null;
  payload: object;
  maxAttempts: number;
  /** Null: due now. */
  runAt: Date | null;
}

export interface ClaimedJobRow {
  id: string;
  kind: string;
  workspaceId: string | null;
  payload: unknown;
  /** Including the attempt just claimed. */
  attempts: number;
  maxAttempts: number;
}

/** A job whose attempt failed: retried after `retryInMs`, or dead when `dead`. */
export interface FailedJobRow {
  id: string;
  attempts: number;
  error: string;
  dead: boolean;
  retryInMs: number;
}

interface JobRecord {
  id: string;
  kind: string;
  workspace_id: string | null;
  payload: unknown;
  attempts: number;
  max_attempts: number;
}

/**
 * The SQL of the `jobs` table. Every write after a claim is fenced by the attempt number it
 * claimed, so that a runner that outlived its lease cannot settle the attempt another runner took.
 */
export class JobsRepository {
  constructor(private readonly dataSource: DataSource) {}

  private get table(): string {
    return qualifiedTable(this.dataSource, 'jobs');
  }

  /** Inserts jobs with one statement, through `runner` (the caller's transaction) when given. */
  async insert(jobs: readonly NewJobRow[], runner: SqlRunner = this.dataSource): Promise<void> {
    if (jobs.length === 0) return;
    await runner.query(
      `INSERT INTO ${this.table} ("id", "kind", "workspace_id", "payload", "max_attempts", "run_at")
       SELECT j."id", j."kind", j."workspace_id", j."payload", j."max_attempts", coalesce(j."run_at", now())
       FROM unnest($1::uuid[], $2::text[], $3::text[], $4::jsonb[], $5::int[], $6::timestamptz[])
         AS j("id", "kind", "workspace_id", "payload", "max_attempts", "run_at")`,
      [
        jobs.map((job) => job.id),
        jobs.map((job) => job.kind),
        jobs.map((job) => job.workspaceId),
        jobs.map((job) => JSON.stringify(job.payload)),
        jobs.map((job) => job.maxAttempts),
        jobs.map((job) => job.runAt?.toISOString() ?? null),
      ],
    );
  }

  /**
   * Claims up to `limit` due jobs of these kinds for `leaseMs`, counting the attempt, in one
   * statement. A job found with its attempts used up is one whose runner stopped during its last
   * attempt (its lease ran out): it is dead-lettered by the same statement instead of run again.
   */
  async claim(kinds: readonly string[], limit: number, leaseMs: number): Promise<ClaimedJobRow[]> {
    const table = this.table;
    // TypeORM answers an UPDATE … RETURNING with [rows, affected].
    const [rows] = (await this.dataSource.query(
      `WITH "picked" AS (
         SELECT "id", "attempts" >= "max_attempts" AS "exhausted" FROM ${table}
         WHERE "completed_at" IS NULL AND "dead_at" IS NULL AND "run_at" <= now()
           AND ("claimed_until" IS NULL OR "claimed_until" < now()) AND "kind" = ANY($1::text[])
         ORDER BY "run_at", "id" LIMIT $2 FOR UPDATE SKIP LOCKED
       ), "expired" AS (
         UPDATE ${table} j SET "dead_at" = now(), "claimed_until" = NULL,
           "last_error" = concat_ws(E'\\n', j."last_error", 'its lease ran out during the last attempt (the runner stopped or outlived its lease)')
         FROM "picked" p WHERE j."id" = p."id" AND p."exhausted"
       )
       UPDATE ${table} j SET "claimed_until" = now() + make_interval(secs => $3::float8 / 1000), "attempts" = j."attempts" + 1
       FROM "picked" p WHERE j."id" = p."id" AND NOT p."exhausted"
       RETURNING j."id", j."kind", j."workspace_id", j."payload", j."attempts", j."max_attempts"`,
      [kinds, limit, leaseMs],
    )) as [JobRecord[], number];
    return rows.map((row) => ({
      id: row.id,
      kind: row.kind,
      workspaceId: row.workspace_id,
      payload: row.payload,
      attempts: row.attempts,
      maxAttempts: row.max_attempts,
    }));
  }

  async markCompleted(jobs: ReadonlyArray<{ id: string; attempts: number }>): Promise<void> {
    if (jobs.length === 0) return;
    await this.dataSource.query(
      `UPDATE ${this.table} j SET "completed_at" = now(), "claimed_until" = NULL
       FROM unnest($1::uuid[], $2::int[]) AS d("id", "attempts")
       WHERE j."id" = d."id" AND j."attempts" = d."attempts" AND j."completed_at" IS NULL AND j."dead_at" IS NULL`,
      [jobs.map((job) => job.id), jobs.map((job) => job.attempts)],
    );
  }

  /** Releases failed attempts for a later run, or dead-letters them, in one statement. */
  async markFailed(jobs: readonly FailedJobRow[]): Promise<void> {
    if (jobs.length === 0) return;
    await this.dataSource.query(
      `UPDATE ${this.table} j SET "claimed_until" = NULL, "last_error" = f."error",
         "dead_at" = CASE WHEN f."dead" THEN now() END,
         "run_at" = CASE WHEN f."dead" THEN j."run_at" ELSE now() + make_interval(secs => f."retry_in_ms" / 1000) END
       FROM unnest($1::uuid[], $2::int[], $3::text[], $4::boolean[], $5::float8[]) AS f("id", "attempts", "error", "dead", "retry_in_ms")
       WHERE j."id" = f."id" AND j."attempts" = f."attempts" AND j."completed_at" IS NULL AND j."dead_at" IS NULL`,
      [
        jobs.map((job) => job.id),
        jobs.map((job) => job.attempts),
        jobs.map((job) => job.error),
        jobs.map((job) => job.dead),
        jobs.map((job) => job.retryInMs),
      ],
    );
  }

  /** Jobs neither completed nor dead, for the backlog gauge. */
  async openCount(): Promise<number> {
    const [row] = (await this.dataSource.query(
      `SELECT count(*)::int AS "n" FROM ${this.table} WHERE "completed_at" IS NULL AND "dead_at" IS NULL`,
    )) as Array<{ n: number }>;
    return row?.n ?? 0;
  }
}
