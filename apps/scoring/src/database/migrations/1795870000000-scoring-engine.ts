import { jobsTablesV1 } from '@leadflow/jobs';
import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Scoring from stored activities and per-workspace rules.
 * - `activities`: what each contact did, as scoring needs it to score again (event name, time,
 *   properties and traits). The history is derived from it: a contact's `score_history` and
 *   `stage_history` are rewritten whenever it is rescored.
 * - `workspace_rules` and `workspace_settings` (stage thresholds): each workspace's own, seeded
 *   with the defaults when it first needs them.
 * - `score_history` rows now come from any rule of the workspace (no reference to the old global
 *   `rules`), say why (`award`, `decay`, `expiry`) and the score after them.
 * - `recompute_runs`: rescoring runs (progress, dry-run results) on the app's new `jobs` and
 *   `schedules` tables (libs/jobs), which also drive the decay schedule.
 * - Existing history is kept and its lead activities are backfilled, so a rescore gives the same.
 */
export class ScoringEngine1795870000000 implements MigrationInterface {
  name = 'ScoringEngine1795870000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE "scoring"."activities" (
        "workspace_id" text NOT NULL,
        "contact_id" uuid NOT NULL,
        "activity_id" text NOT NULL,
        "event" text NOT NULL,
        "occurred_at" timestamptz NOT NULL,
        "properties" jsonb NOT NULL DEFAULT '{}',
        "traits" jsonb NOT NULL DEFAULT '{}',
        "source" text NOT NULL,
        "offer" text,
        "country" text,
        "recorded_at" timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY ("workspace_id", "contact_id", "activity_id")
      )`);
    await queryRunner.query(
      `CREATE INDEX "activities_contact_order" ON "scoring"."activities" ("workspace_id", "contact_id", "occurred_at", "activity_id" COLLATE "C")`,
    );

    await queryRunner.query(`
      CREATE TABLE "scoring"."workspace_settings" (
        "workspace_id" text PRIMARY KEY,
        "warm" integer NOT NULL DEFAULT 20,
        "hot" integer NOT NULL DEFAULT 50,
        "qualified" integer NOT NULL DEFAULT 100,
        "created_at" timestamptz NOT NULL DEFAULT now(),
        "updated_at" timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT "workspace_settings_increasing" CHECK ("warm" < "hot" AND "hot" < "qualified")
      )`);
    await queryRunner.query(`
      CREATE TABLE "scoring"."workspace_rules" (
        "workspace_id" text NOT NULL,
        "id" text NOT NULL,
        "kind" text NOT NULL CHECK ("kind" IN ('fit', 'engagement')),
        "event" text NOT NULL,
        "conditions" jsonb NOT NULL DEFAULT '[]',
        "points" integer NOT NULL,
        "cap" integer,
        "group" text,
        "group_cap" integer,
        "decay" jsonb,
        "active" boolean NOT NULL DEFAULT true,
        "description" text,
        "created_at" timestamptz NOT NULL DEFAULT now(),
        "updated_at" timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY ("workspace_id", "id")
      )`);

    await queryRunner.query(`ALTER TABLE "scoring"."score_history" DROP CONSTRAINT IF EXISTS "score_history_rule_id_fkey"`);
    await queryRunner.query(`ALTER TABLE "scoring"."score_history" DROP CONSTRAINT IF EXISTS "score_history_rule_kind_check"`);
    await queryRunner.query(
      `ALTER TABLE "scoring"."score_history" ADD CONSTRAINT "score_history_rule_kind_check" CHECK ("rule_kind" IN ('activity', 'fit', 'engagement'))`,
    );
    await queryRunner.query(`DROP INDEX "scoring"."score_history_activity_once"`);
    await queryRunner.query(`DROP INDEX "scoring"."score_history_fit_once"`);
    await queryRunner.query(
      `ALTER TABLE "scoring"."score_history" ADD COLUMN "reason" text NOT NULL DEFAULT 'award' CHECK ("reason" IN ('award', 'decay', 'expiry')),
         ADD COLUMN "score_after" integer`,
    );
    await queryRunner.query(
      `CREATE INDEX "score_history_contact_recorded" ON "scoring"."score_history" ("workspace_id", "contact_id", "at" DESC, "id" DESC)`,
    );

    // The leaderboard of one stage (contact_scores_leaderboard_idx serves the whole one).
    await queryRunner.query(
      `CREATE INDEX "contact_scores_stage_leaderboard_idx" ON "scoring"."contact_scores" ("workspace_id", "stage", "score" DESC, "contact_id") WHERE "state" = 'active'`,
    );
    await queryRunner.query(`
      CREATE TABLE "scoring"."stage_history" (
        "id" bigserial PRIMARY KEY,
        "workspace_id" text NOT NULL,
        "contact_id" uuid NOT NULL,
        "activity_id" text NOT NULL,
        "from_stage" text,
        "to_stage" text NOT NULL,
        "score" integer NOT NULL,
        "at" timestamptz NOT NULL
      )`);
    await queryRunner.query(
      `CREATE INDEX "stage_history_contact_at" ON "scoring"."stage_history" ("workspace_id", "contact_id", "at" DESC, "id" DESC)`,
    );

    await queryRunner.query(`
      CREATE TABLE "scoring"."recompute_runs" (
        "id" uuid PRIMARY KEY,
        "workspace_id" text NOT NULL,
        "status" text NOT NULL DEFAULT 'queued' CHECK ("status" IN ('queued', 'running', 'done', 'failed')),
        "dry_run" boolean NOT NULL,
        "filter" jsonb NOT NULL DEFAULT '{}',
        "draft" jsonb,
        "total" integer NOT NULL,
        "done" integer NOT NULL DEFAULT 0,
        "stage_changes" integer NOT NULL DEFAULT 0,
        "after_contact_id" uuid,
        "created_at" timestamptz NOT NULL DEFAULT now(),
        "finished_at" timestamptz
      )`);
    for (const statement of jobsTablesV1('scoring').up) await queryRunner.query(statement);

    // Lead activities known so far, with the fit facts their history rows show.
    await queryRunner.query(`
      INSERT INTO "scoring"."activities" ("workspace_id", "contact_id", "activity_id", "event", "occurred_at", "traits", "source", "offer", "country")
      SELECT h."workspace_id", h."contact_id", h."activity_id", h."activity_type", h."at",
             jsonb_build_object(
               'emailValid', EXISTS (SELECT 1 FROM "scoring"."score_history" f WHERE f."workspace_id" = h."workspace_id"
                 AND f."contact_id" = h."contact_id" AND f."activity_id" = h."activity_id" AND f."rule_id" = 'fit_valid_email'),
               'phoneValid', EXISTS (SELECT 1 FROM "scoring"."score_history" f WHERE f."workspace_id" = h."workspace_id"
                 AND f."contact_id" = h."contact_id" AND f."activity_id" = h."activity_id" AND f."rule_id" = 'fit_valid_phone')),
             h."source", h."offer", h."country"
      FROM "scoring"."score_history" h WHERE h."rule_kind" = 'activity'
      ON CONFLICT DO NOTHING`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    for (const statement of jobsTablesV1('scoring').down) await queryRunner.query(statement);
    await queryRunner.query(`DROP TABLE "scoring"."recompute_runs"`);
    await queryRunner.query(`DROP TABLE "scoring"."stage_history"`);
    await queryRunner.query(`DROP INDEX "scoring"."contact_scores_stage_leaderboard_idx"`);
    await queryRunner.query(`DROP INDEX "scoring"."score_history_contact_recorded"`);
    await queryRunner.query(`ALTER TABLE "scoring"."score_history" DROP COLUMN "reason", DROP COLUMN "score_after"`);
    await queryRunner.query(`DROP TABLE "scoring"."workspace_rules"`);
    await queryRunner.query(`DROP TABLE "scoring"."workspace_settings"`);
    await queryRunner.query(`DROP TABLE "scoring"."activities"`);
  }
}
