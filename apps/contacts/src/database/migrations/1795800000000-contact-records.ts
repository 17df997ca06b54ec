import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Contacts become records people edit: a version for optimistic concurrency (every write, from an
 * admin or from the pipeline, bumps it), soft deletion, and the fields a CRM keeps beside the
 * identity columns. `created_by` / `updated_by` name an admin account or an API key; null means
 * the pipeline.
 */
export class ContactRecords1795800000000 implements MigrationInterface {
  name = 'ContactRecords1795800000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      ALTER TABLE "contacts"."contacts"
        ADD COLUMN "version" bigint NOT NULL DEFAULT 1,
        ADD COLUMN "deleted_at" timestamptz,
        ADD COLUMN "company" text,
        ADD COLUMN "title" text,
        ADD COLUMN "owner_id" uuid,
        ADD COLUMN "tags" text[] NOT NULL DEFAULT '{}',
        ADD COLUMN "lifecycle" text NOT NULL DEFAULT 'lead' CHECK ("lifecycle" IN ('lead', 'contact', 'customer')),
        ADD COLUMN "properties" jsonb NOT NULL DEFAULT '{}',
        ADD COLUMN "parse_issues" jsonb NOT NULL DEFAULT '[]',
        ADD COLUMN "created_by" text,
        ADD COLUMN "updated_by" text`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      ALTER TABLE "contacts"."contacts"
        DROP COLUMN "version", DROP COLUMN "deleted_at", DROP COLUMN "company", DROP COLUMN "title",
        DROP COLUMN "owner_id", DROP COLUMN "tags", DROP COLUMN "lifecycle", DROP COLUMN "properties",
        DROP COLUMN "parse_issues", DROP COLUMN "created_by", DROP COLUMN "updated_by"`);
  }
}
