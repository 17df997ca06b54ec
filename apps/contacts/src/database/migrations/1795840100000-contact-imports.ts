import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Bulk contact imports: the import and its progress (rows read, the byte where the next row starts,
 * counts), the uploaded file in chunks, and the rows that were not imported (errors, duplicates).
 * Progress and issues are written in the transaction of the batch they describe, so a restarted job
 * goes on from the last committed batch.
 */
export class ContactImports1795840100000 implements MigrationInterface {
  name = 'ContactImports1795840100000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE "contacts"."imports" (
        "id" uuid PRIMARY KEY,
        "workspace_id" text NOT NULL,
        "status" text NOT NULL CHECK ("status" IN ('uploading', 'queued', 'running', 'completed', 'failed')),
        "file_name" text,
        "mapping" jsonb,
        "header" text[],
        "created_by" text NOT NULL,
        "bytes" bigint NOT NULL DEFAULT 0,
        "chunks" integer NOT NULL DEFAULT 0,
        "rows_done" bigint NOT NULL DEFAULT 0,
        "resume_offset" bigint NOT NULL DEFAULT 0,
        "created_count" bigint NOT NULL DEFAULT 0,
        "duplicate_count" bigint NOT NULL DEFAULT 0,
        "error_count" bigint NOT NULL DEFAULT 0,
        "failure_code" text,
        "failure_message" text,
        "created_at" timestamptz NOT NULL DEFAULT now(),
        "updated_at" timestamptz NOT NULL DEFAULT now(),
        "started_at" timestamptz,
        "completed_at" timestamptz
      )`);
    await queryRunner.query(`CREATE INDEX "imports_workspace_idx" ON "contacts"."imports" ("workspace_id", "id" DESC)`);
    await queryRunner.query(`
      CREATE TABLE "contacts"."import_chunks" (
        "import_id" uuid NOT NULL REFERENCES "contacts"."imports" ("id") ON DELETE CASCADE,
        "seq" integer NOT NULL,
        "byte_offset" bigint NOT NULL,
        "data" bytea NOT NULL,
        PRIMARY KEY ("import_id", "seq")
      )`);
    // Stored as sent: compressing 100 MB on the way in and out costs more CPU than the disk it saves
    // for the few minutes the chunks live.
    await queryRunner.query(`ALTER TABLE "contacts"."import_chunks" ALTER COLUMN "data" SET STORAGE EXTERNAL`);
    await queryRunner.query(`
      CREATE TABLE "contacts"."import_issues" (
        "import_id" uuid NOT NULL REFERENCES "contacts"."imports" ("id") ON DELETE CASCADE,
        "kind" text NOT NULL CHECK ("kind" IN ('error', 'duplicate')),
        "row" bigint NOT NULL,
        "ord" smallint NOT NULL,
        "column" text,
        "code" text NOT NULL,
        "message" text NOT NULL,
        "contact_id" uuid,
        "raw" text NOT NULL,
        PRIMARY KEY ("import_id", "kind", "row", "ord")
      )`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "contacts"."import_issues"`);
    await queryRunner.query(`DROP TABLE "contacts"."import_chunks"`);
    await queryRunner.query(`DROP TABLE "contacts"."imports"`);
  }
}
