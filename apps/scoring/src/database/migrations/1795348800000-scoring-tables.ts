import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Rules, scores, their history and the merges scoring has seen. Uniqueness is the database's job
 * here: one row per (contact, activity) and per (contact, fit rule), whatever the handlers do.
 */
export class ScoringTables1795348800000 implements MigrationInterface {
  name = 'ScoringTables1795348800000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE "scoring"."rules" (
        "id" text PRIMARY KEY,
        "kind" text NOT NULL CHECK ("kind" IN ('activity', 'fit')),
        "activity_type" text,
        "condition" text CHECK ("condition" IN ('email_valid', 'phone_valid')),
        "points" integer NOT NULL,
        "active" boolean NOT NULL DEFAULT true,
        "description" text,
        "created_at" timestamptz NOT NULL DEFAULT now(),
        "updated_at" timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT "rules_kind_target" CHECK (
          ("kind" = 'activity' AND "activity_type" IS NOT NULL AND "condition" IS NULL)
          OR ("kind" = 'fit' AND "condition" IS NOT NULL AND "activity_type" IS NULL)
        )
      )`);
    // An activity scores once, so one activity type has at most one active rule.
    await queryRunner.query(
      `CREATE UNIQUE INDEX "rules_one_active_per_activity_type" ON "scoring"."rules" ("activity_type") WHERE "kind" = 'activity' AND "active"`,
    );
    await queryRunner.query(`
      INSERT INTO "scoring"."rules" ("id", "kind", "activity_type", "condition", "points", "description") VALUES
        ('lead_submitted', 'activity', 'lead_submitted', NULL, 10, 'Every lead the contact submits'),
        ('fit_valid_email', 'fit', NULL, 'email_valid', 5, 'The contact gave a valid email (once per contact)'),
        ('fit_valid_phone', 'fit', NULL, 'phone_valid', 5, 'The contact gave a valid phone (once per contact)')`);

    await queryRunner.query(`
      CREATE TABLE "scoring"."contact_scores" (
        "workspace_id" text NOT NULL,
        "contact_id" uuid NOT NULL,
        "score" integer NOT NULL DEFAULT 0,
        "stage" text CHECK ("stage" IN ('cold', 'warm', 'hot', 'qualified')),
        "state" text NOT NULL DEFAULT 'active' CHECK ("state" IN ('active', 'merged')),
        "created_at" timestamptz NOT NULL DEFAULT now(),
        "updated_at" timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY ("workspace_id", "contact_id"),
        CONSTRAINT "contact_scores_stage_when_active" CHECK (("state" = 'active') = ("stage" IS NOT NULL))
      )`);

    await queryRunner.query(`
      CREATE TABLE "scoring"."score_history" (
        "id" bigserial PRIMARY KEY,
        "workspace_id" text NOT NULL,
        "contact_id" uuid NOT NULL,
        "activity_id" text NOT NULL,
        "activity_type" text NOT NULL,
        "rule_id" text NOT NULL REFERENCES "scoring"."rules" ("id"),
        "rule_kind" text NOT NULL CHECK ("rule_kind" IN ('activity', 'fit')),
        "points" integer NOT NULL,
        "at" timestamptz NOT NULL,
        "source" text NOT NULL,
        "offer" text,
        "country" text,
        "recorded_at" timestamptz NOT NULL DEFAULT now()
      )`);
    await queryRunner.query(
      `CREATE UNIQUE INDEX "score_history_activity_once" ON "scoring"."score_history" ("workspace_id", "contact_id", "activity_id") WHERE "rule_kind" = 'activity'`,
    );
    await queryRunner.query(
      `CREATE UNIQUE INDEX "score_history_fit_once" ON "scoring"."score_history" ("workspace_id", "contact_id", "rule_id") WHERE "rule_kind" = 'fit'`,
    );
    await queryRunner.query(`CREATE INDEX "score_history_contact_at" ON "scoring"."score_history" ("workspace_id", "contact_id", "at")`);

    await queryRunner.query(`
      CREATE TABLE "scoring"."contact_merges" (
        "workspace_id" text NOT NULL,
        "merged_id" uuid NOT NULL,
        "survivor_id" uuid NOT NULL,
        "merged_at" timestamptz NOT NULL,
        "recorded_at" timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY ("workspace_id", "merged_id"),
        CONSTRAINT "contact_merges_not_self" CHECK ("merged_id" <> "survivor_id")
      )`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "scoring"."contact_merges"`);
    await queryRunner.query(`DROP TABLE "scoring"."score_history"`);
    await queryRunner.query(`DROP TABLE "scoring"."contact_scores"`);
    await queryRunner.query(`DROP TABLE "scoring"."rules"`);
  }
}
