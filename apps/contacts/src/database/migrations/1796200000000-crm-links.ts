import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * CRM sync: which LeadFlow contact or opportunity each CRM record of an integration is, and the
 * newest source time applied to it, so that an older event arriving late never overwrites a newer
 * state. A record deleted in the CRM keeps its row (`deleted`), so that older updates arriving after
 * the deletion stay stale; `record_id` is null for one deleted before LeadFlow ever made it.
 */
export class CrmLinks1796200000000 implements MigrationInterface {
  name = 'CrmLinks1796200000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE "contacts"."crm_links" (
        "workspace_id" text NOT NULL,
        "integration_id" uuid NOT NULL,
        "object_type" text NOT NULL CHECK ("object_type" IN ('contact', 'opportunity')),
        "external_id" text NOT NULL,
        "record_id" uuid,
        "source_updated_at" timestamptz NOT NULL,
        "last_crm_event_id" uuid NOT NULL,
        "deleted" boolean NOT NULL DEFAULT false,
        "created_at" timestamptz NOT NULL DEFAULT now(),
        "updated_at" timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY ("workspace_id", "integration_id", "object_type", "external_id")
      )`);
    // Which CRM records are one LeadFlow record (a contact adopted by a second CRM record is refused).
    await queryRunner.query(
      `CREATE INDEX "crm_links_record_idx" ON "contacts"."crm_links" ("workspace_id", "record_id") WHERE "record_id" IS NOT NULL`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "contacts"."crm_links"`);
  }
}
