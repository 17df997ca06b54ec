import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Activity events join the identity graph: two new identity kinds (`user_id`, the sender's own id
 * of a person per workspace, and `anonymous_id`, a tracker's visitor id), anonymous profiles
 * (contacts made from an anonymous id alone), the activities attributed to contacts (the timeline),
 * the merges carried out and the merges refused. The deferred identity invariants of 1795700000000
 * are untouched: they tie only email and phone to a contact's fields, and every identity of any kind
 * still belongs to a live contact.
 */
export class ActivityIdentities1795860000000 implements MigrationInterface {
  name = 'ActivityIdentities1795860000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      ALTER TABLE "contacts"."contact_identities" DROP CONSTRAINT "contact_identities_kind_check",
        ADD CONSTRAINT "contact_identities_kind_check" CHECK ("kind" IN ('email', 'phone', 'user_id', 'anonymous_id'))`);
    await queryRunner.query(`ALTER TABLE "contacts"."contacts" ADD COLUMN "anonymous" boolean NOT NULL DEFAULT false`);
    await queryRunner.query(`
      CREATE TABLE "contacts"."contact_activities" (
        "activity_id" uuid PRIMARY KEY,
        "workspace_id" text NOT NULL,
        "contact_id" uuid NOT NULL REFERENCES "contacts"."contacts" ("id"),
        "message_id" text NOT NULL,
        "kind" text NOT NULL,
        "name" text NOT NULL,
        "occurred_at" timestamptz NOT NULL,
        "received_at" timestamptz NOT NULL,
        "source" text NOT NULL,
        "properties" jsonb NOT NULL DEFAULT '{}',
        "attributed_at" timestamptz NOT NULL DEFAULT now()
      )`);
    await queryRunner.query(
      `CREATE INDEX "contact_activities_timeline_idx" ON "contacts"."contact_activities" ("contact_id", "occurred_at" DESC, "activity_id" DESC)`,
    );
    await queryRunner.query(`
      CREATE TABLE "contacts"."contact_merges" (
        "id" uuid PRIMARY KEY,
        "workspace_id" text NOT NULL,
        "survivor_id" uuid NOT NULL REFERENCES "contacts"."contacts" ("id"),
        "merged_id" uuid NOT NULL REFERENCES "contacts"."contacts" ("id"),
        "reason" text NOT NULL CHECK ("reason" IN ('lead', 'identify', 'alias', 'admin')),
        "activity_id" uuid,
        "actor" text,
        "merged_at" timestamptz NOT NULL DEFAULT clock_timestamp(),
        UNIQUE ("merged_id")
      )`);
    await queryRunner.query(`CREATE INDEX "contact_merges_survivor_idx" ON "contacts"."contact_merges" ("survivor_id", "merged_at" DESC)`);
    await queryRunner.query(`
      CREATE TABLE "contacts"."refused_merges" (
        "id" uuid PRIMARY KEY,
        "workspace_id" text NOT NULL,
        "contact_id" uuid NOT NULL,
        "other_contact_id" uuid NOT NULL,
        "reason" text NOT NULL,
        "activity_id" uuid NOT NULL,
        "refused_at" timestamptz NOT NULL DEFAULT clock_timestamp(),
        UNIQUE ("activity_id", "other_contact_id")
      )`);
    await queryRunner.query(`CREATE INDEX "refused_merges_contact_idx" ON "contacts"."refused_merges" ("workspace_id", "contact_id")`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "contacts"."refused_merges"`);
    await queryRunner.query(`DROP TABLE "contacts"."contact_merges"`);
    await queryRunner.query(`DROP TABLE "contacts"."contact_activities"`);
    await queryRunner.query(`ALTER TABLE "contacts"."contacts" DROP COLUMN "anonymous"`);
    await queryRunner.query(`
      ALTER TABLE "contacts"."contact_identities" DROP CONSTRAINT "contact_identities_kind_check",
        ADD CONSTRAINT "contact_identities_kind_check" CHECK ("kind" IN ('email', 'phone'))`);
  }
}
