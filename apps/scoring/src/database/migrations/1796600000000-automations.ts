import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Automations: what a workspace's automations react to and do, and what they did.
 * - `automations`: trigger, conditions and actions as JSON, the enabled flag, the cooldown per
 *   contact, `owner_cursor` (the round-robin position of an `assign_owner` action) and `version`
 *   (one more per admin change: the ETag).
 * - `automation_runs`: one row per automation and occurrence of its trigger (unique), written in
 *   the transaction of the triggering event's inbox row: an occurrence runs an automation once.
 * - `automation_cooldowns`: when an automation last ran for a contact.
 * - `automation_contacts`: the contact fields conditions test (tags, owner, lifecycle…), as
 *   `contact.created|updated` announce them (the highest version wins).
 * - `automation_backfills`: a run over the contacts that already match, with its progress.
 */
export class Automations1796600000000 implements MigrationInterface {
  name = 'Automations1796600000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE "scoring"."automations" (
        "id" uuid PRIMARY KEY,
        "workspace_id" text NOT NULL,
        "name" text NOT NULL,
        "trigger" jsonb NOT NULL,
        "trigger_type" text NOT NULL,
        "conditions" jsonb NOT NULL DEFAULT '{}',
        "actions" jsonb NOT NULL,
        "enabled" boolean NOT NULL DEFAULT true,
        "cooldown_seconds" integer,
        "owner_cursor" bigint NOT NULL DEFAULT 0,
        "version" bigint NOT NULL DEFAULT 1,
        "created_at" timestamptz NOT NULL DEFAULT now(),
        "updated_at" timestamptz NOT NULL DEFAULT now()
      )`);
    await queryRunner.query(
      `CREATE INDEX "automations_by_trigger" ON "scoring"."automations" ("workspace_id", "trigger_type") WHERE "enabled"`,
    );
    await queryRunner.query(`CREATE INDEX "automations_by_workspace" ON "scoring"."automations" ("workspace_id", "id")`);
    await queryRunner.query(`
      CREATE TABLE "scoring"."automation_runs" (
        "id" uuid PRIMARY KEY,
        "workspace_id" text NOT NULL,
        "automation_id" uuid NOT NULL,
        "occurrence_id" text NOT NULL,
        "contact_id" uuid,
        "trigger" text NOT NULL,
        "outcome" text NOT NULL CHECK ("outcome" IN ('completed', 'skipped_cooldown')),
        "actions" jsonb NOT NULL DEFAULT '[]',
        "error" text,
        "created_at" timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT "automation_runs_once" UNIQUE ("automation_id", "occurrence_id")
      )`);
    await queryRunner.query(`CREATE INDEX "automation_runs_log" ON "scoring"."automation_runs" ("automation_id", "id" DESC)`);
    await queryRunner.query(`
      CREATE TABLE "scoring"."automation_cooldowns" (
        "automation_id" uuid NOT NULL,
        "contact_id" uuid NOT NULL,
        "last_run_at" timestamptz NOT NULL,
        PRIMARY KEY ("automation_id", "contact_id")
      )`);
    await queryRunner.query(`
      CREATE TABLE "scoring"."automation_contacts" (
        "workspace_id" text NOT NULL,
        "contact_id" uuid NOT NULL,
        "version" bigint NOT NULL DEFAULT 0,
        "fields" jsonb NOT NULL,
        PRIMARY KEY ("workspace_id", "contact_id")
      )`);
    await queryRunner.query(`
      CREATE TABLE "scoring"."automation_backfills" (
        "automation_id" uuid PRIMARY KEY,
        "workspace_id" text NOT NULL,
        "status" text NOT NULL CHECK ("status" IN ('running', 'done')),
        "total" integer NOT NULL,
        "processed" integer NOT NULL DEFAULT 0,
        "matched" integer NOT NULL DEFAULT 0,
        "after_contact_id" uuid,
        "started_at" timestamptz NOT NULL DEFAULT now(),
        "updated_at" timestamptz NOT NULL DEFAULT now()
      )`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    for (const table of ['automation_backfills', 'automation_contacts', 'automation_cooldowns', 'automation_runs', 'automations']) {
      await queryRunner.query(`DROP TABLE "scoring"."${table}"`);
    }
  }
}
