/**
 * DDL of the jobs and schedules tables an app owns in its schema. Versioned and frozen, as the
 * messaging tables are: migrations call a version, and a change is a new version, never an edit.
 */
export function jobsTablesV1(schema: string): { up: string[]; down: string[] } {
  const s = `"${schema}"`;
  return {
    up: [
      `CREATE TABLE ${s}."jobs" (
        "id" uuid PRIMARY KEY,
        "kind" text NOT NULL,
        "workspace_id" text,
        "payload" jsonb NOT NULL DEFAULT '{}'::jsonb,
        "attempts" integer NOT NULL DEFAULT 0,
        "max_attempts" integer NOT NULL CHECK ("max_attempts" > 0),
        "run_at" timestamptz NOT NULL DEFAULT now(),
        "claimed_until" timestamptz,
        "last_error" text,
        "created_at" timestamptz NOT NULL DEFAULT now(),
        "completed_at" timestamptz,
        "dead_at" timestamptz,
        CHECK ("completed_at" IS NULL OR "dead_at" IS NULL)
      )`,
      // The claim reads open jobs in run_at order; finished ones leave the index.
      `CREATE INDEX "jobs_open_idx" ON ${s}."jobs" ("run_at", "id") WHERE "completed_at" IS NULL AND "dead_at" IS NULL`,
      `CREATE INDEX "jobs_dead_idx" ON ${s}."jobs" ("dead_at" DESC) WHERE "dead_at" IS NOT NULL`,
      `CREATE TABLE ${s}."schedules" (
        "name" text PRIMARY KEY,
        "interval_ms" bigint NOT NULL CHECK ("interval_ms" > 0),
        "next_run_at" timestamptz NOT NULL,
        "claimed_until" timestamptz,
        "runs" bigint NOT NULL DEFAULT 0,
        "last_started_at" timestamptz,
        "last_completed_at" timestamptz,
        "last_error" text
      )`,
    ],
    down: [`DROP TABLE ${s}."schedules"`, `DROP TABLE ${s}."jobs"`],
  };
}
