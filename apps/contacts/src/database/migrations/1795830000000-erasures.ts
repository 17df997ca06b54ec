import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * GDPR erasures: one record per erased contact (who asked, when, the leads and contacts it covered,
 * the hashes of the identities erased, and what contacts redacted), the time a contact was erased,
 * and the erased identities' hashes, which identity resolution looks up so that a lead of an erased
 * person still in flight makes no contact.
 */
export class Erasures1795830000000 implements MigrationInterface {
  name = 'Erasures1795830000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "contacts"."contacts" ADD COLUMN "erased_at" timestamptz`);
    await queryRunner.query(`
      CREATE TABLE "contacts"."erasures" (
        "id" uuid PRIMARY KEY,
        "workspace_id" text NOT NULL,
        "contact_id" uuid NOT NULL,
        "requested_by" text NOT NULL,
        "requested_at" timestamptz NOT NULL DEFAULT now(),
        "lead_ids" uuid[] NOT NULL,
        "merged_contact_ids" uuid[] NOT NULL,
        "email_hashes" text[] NOT NULL,
        "phone_hashes" text[] NOT NULL,
        "summary" jsonb NOT NULL,
        CONSTRAINT "erasures_one_per_contact" UNIQUE ("workspace_id", "contact_id")
      )`);
    await queryRunner.query(`
      CREATE TABLE "contacts"."erased_identities" (
        "workspace_id" text NOT NULL,
        "hash" text NOT NULL,
        "erasure_id" uuid NOT NULL REFERENCES "contacts"."erasures" ("id"),
        PRIMARY KEY ("workspace_id", "hash")
      )`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "contacts"."erased_identities"`);
    await queryRunner.query(`DROP TABLE "contacts"."erasures"`);
    await queryRunner.query(`ALTER TABLE "contacts"."contacts" DROP COLUMN "erased_at"`);
  }
}
