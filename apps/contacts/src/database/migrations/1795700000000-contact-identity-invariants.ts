import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The identity graph's invariants, kept by PostgreSQL itself rather than by the resolver alone:
 * a live contact's email and phone are identities of its own, and every identity belongs to a live
 * contact (so no two live contacts share one: the identity's primary key allows one owner).
 * Both are foreign keys checked at commit, because a batch inserts contacts before their
 * identities and a merge moves identities before it retires the merged contact.
 *
 * Contacts made before this migration could hold an invalid email or phone copied from their first
 * lead; such values become the contact's own identity of that kind, or nothing (they stay on the lead).
 */
export class ContactIdentityInvariants1795700000000 implements MigrationInterface {
  name = 'ContactIdentityInvariants1795700000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    // Identities left on a merged contact move to the contact it was merged into.
    await queryRunner.query(`
      UPDATE "contacts"."contact_identities" i SET "contact_id" = c."merged_into"
      FROM "contacts"."contacts" c WHERE c."id" = i."contact_id" AND c."merged_into" IS NOT NULL`);
    for (const kind of ['email', 'phone']) {
      await queryRunner.query(`
        UPDATE "contacts"."contacts" c SET "${kind}" = (
          SELECT i."value" FROM "contacts"."contact_identities" i
          WHERE i."contact_id" = c."id" AND i."kind" = '${kind}' ORDER BY i."created_at", i."value" LIMIT 1)
        WHERE c."merged_into" IS NULL AND c."${kind}" IS NOT NULL AND NOT EXISTS (
          SELECT 1 FROM "contacts"."contact_identities" i
          WHERE i."workspace_id" = c."workspace_id" AND i."kind" = '${kind}' AND i."value" = c."${kind}" AND i."contact_id" = c."id")`);
    }
    // Key parts the foreign keys need: NULL (not checked) on a merged contact or an empty field.
    await queryRunner.query(`
      ALTER TABLE "contacts"."contacts"
        ADD COLUMN "email_identity_kind" text GENERATED ALWAYS AS (CASE WHEN "merged_into" IS NULL AND "email" IS NOT NULL THEN 'email' END) STORED,
        ADD COLUMN "phone_identity_kind" text GENERATED ALWAYS AS (CASE WHEN "merged_into" IS NULL AND "phone" IS NOT NULL THEN 'phone' END) STORED,
        ADD COLUMN "live" boolean GENERATED ALWAYS AS (CASE WHEN "merged_into" IS NULL THEN true END) STORED,
        ADD CONSTRAINT "contacts_id_live_key" UNIQUE ("id", "live")`);
    await queryRunner.query(`
      ALTER TABLE "contacts"."contact_identities"
        ADD COLUMN "owner_live" boolean NOT NULL DEFAULT true CONSTRAINT "contact_identities_owner_live_check" CHECK ("owner_live"),
        ADD CONSTRAINT "contact_identities_owner_key" UNIQUE ("workspace_id", "kind", "value", "contact_id"),
        ADD CONSTRAINT "contact_identities_owner_is_live" FOREIGN KEY ("contact_id", "owner_live")
          REFERENCES "contacts"."contacts" ("id", "live") DEFERRABLE INITIALLY DEFERRED,
        -- Implied by the key above (an owner that is live exists): one check per identity, not two.
        DROP CONSTRAINT "contact_identities_contact_id_fkey"`);
    await queryRunner.query(`
      ALTER TABLE "contacts"."contacts"
        ADD CONSTRAINT "contacts_email_is_own_identity" FOREIGN KEY ("workspace_id", "email_identity_kind", "email", "id")
          REFERENCES "contacts"."contact_identities" ("workspace_id", "kind", "value", "contact_id") DEFERRABLE INITIALLY DEFERRED,
        ADD CONSTRAINT "contacts_phone_is_own_identity" FOREIGN KEY ("workspace_id", "phone_identity_kind", "phone", "id")
          REFERENCES "contacts"."contact_identities" ("workspace_id", "kind", "value", "contact_id") DEFERRABLE INITIALLY DEFERRED`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      ALTER TABLE "contacts"."contacts" DROP CONSTRAINT "contacts_email_is_own_identity", DROP CONSTRAINT "contacts_phone_is_own_identity"`);
    await queryRunner.query(`
      ALTER TABLE "contacts"."contact_identities" DROP CONSTRAINT "contact_identities_owner_is_live",
        ADD CONSTRAINT "contact_identities_contact_id_fkey" FOREIGN KEY ("contact_id") REFERENCES "contacts"."contacts" ("id"),
        DROP CONSTRAINT "contact_identities_owner_key", DROP COLUMN "owner_live"`);
    await queryRunner.query(`
      ALTER TABLE "contacts"."contacts" DROP CONSTRAINT "contacts_id_live_key", DROP COLUMN "live",
        DROP COLUMN "phone_identity_kind", DROP COLUMN "email_identity_kind"`);
  }
}
