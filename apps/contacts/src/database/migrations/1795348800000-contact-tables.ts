import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Contacts, the identities (normalized email, E.164 phone) that resolve to them, and the leads
 * attributed to them. The identity primary key is what makes one person one contact under
 * concurrency; merged contacts stay as tombstones pointing at their survivor.
 */
export class ContactTables1795348800000 implements MigrationInterface {
  name = 'ContactTables1795348800000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE "contacts"."contacts" (
        "id" uuid PRIMARY KEY,
        "workspace_id" text NOT NULL,
        "email" text,
        "phone" text,
        "first_name" text,
        "last_name" text,
        "country" text,
        "created_at" timestamptz NOT NULL,
        "updated_at" timestamptz NOT NULL,
        "merged_into" uuid REFERENCES "contacts"."contacts" ("id")
      )`);
    await queryRunner.query(
      `CREATE INDEX "contacts_workspace_live_idx" ON "contacts"."contacts" ("workspace_id", "id" DESC) WHERE "merged_into" IS NULL`,
    );
    await queryRunner.query(
      `CREATE INDEX "contacts_merged_into_idx" ON "contacts"."contacts" ("merged_into") WHERE "merged_into" IS NOT NULL`,
    );
    await queryRunner.query(`CREATE INDEX "contacts_workspace_email_idx" ON "contacts"."contacts" ("workspace_id", "email")`);
    await queryRunner.query(`
      CREATE TABLE "contacts"."contact_identities" (
        "workspace_id" text NOT NULL,
        "kind" text NOT NULL CHECK ("kind" IN ('email', 'phone')),
        "value" text NOT NULL,
        "contact_id" uuid NOT NULL REFERENCES "contacts"."contacts" ("id"),
        "created_at" timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY ("workspace_id", "kind", "value")
      )`);
    await queryRunner.query(`CREATE INDEX "contact_identities_contact_idx" ON "contacts"."contact_identities" ("contact_id")`);
    await queryRunner.query(`
      CREATE TABLE "contacts"."contact_leads" (
        "lead_id" uuid PRIMARY KEY,
        "workspace_id" text NOT NULL,
        "contact_id" uuid NOT NULL REFERENCES "contacts"."contacts" ("id"),
        "received_at" timestamptz NOT NULL,
        "attributed_at" timestamptz NOT NULL DEFAULT now()
      )`);
    await queryRunner.query(`CREATE INDEX "contact_leads_contact_idx" ON "contacts"."contact_leads" ("contact_id")`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "contacts"."contact_leads"`);
    await queryRunner.query(`DROP TABLE "contacts"."contact_identities"`);
    await queryRunner.query(`DROP TABLE "contacts"."contacts"`);
  }
}
