import { erasureStepsTableV1 } from '@leadflow/database';
import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * GDPR: redaction in place (a redacted row keeps its ids, times and the sha256 of the bytes it
 * held), the workspace's suppression list (identity hashes, never clear values), and the steps
 * ingestion recorded for erasures.
 */
export class Privacy1795830000000 implements MigrationInterface {
  name = 'Privacy1795830000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      ALTER TABLE "ingestion"."raw_leads"
        ADD COLUMN "body_sha256" text,
        ADD COLUMN "redacted_at" timestamptz`);
    await queryRunner.query(`
      ALTER TABLE "ingestion"."leads"
        ADD COLUMN "suppressed" boolean NOT NULL DEFAULT false,
        ADD COLUMN "redacted_at" timestamptz`);
    await queryRunner.query(`
      ALTER TABLE "ingestion"."rejected_requests"
        ADD COLUMN "body_sha256" text,
        ADD COLUMN "redacted_at" timestamptz`);
    await queryRunner.query(`
      CREATE TABLE "ingestion"."suppressions" (
        "id" uuid PRIMARY KEY,
        "workspace_id" text NOT NULL,
        "kind" text NOT NULL CHECK ("kind" IN ('email', 'phone')),
        "hash" text NOT NULL CHECK ("hash" ~ '^[0-9a-f]{64}$'),
        "reason" text NOT NULL CHECK ("reason" IN ('manual', 'erasure')),
        "erasure_id" uuid,
        "created_by" text NOT NULL,
        "created_at" timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT "suppressions_one_per_hash" UNIQUE ("workspace_id", "hash")
      )`);
    await queryRunner.query(`CREATE INDEX "suppressions_workspace_idx" ON "ingestion"."suppressions" ("workspace_id", "id" DESC)`);
    for (const statement of erasureStepsTableV1('ingestion').up) await queryRunner.query(statement);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    for (const statement of erasureStepsTableV1('ingestion').down) await queryRunner.query(statement);
    await queryRunner.query(`DROP TABLE "ingestion"."suppressions"`);
    await queryRunner.query(`ALTER TABLE "ingestion"."rejected_requests" DROP COLUMN "body_sha256", DROP COLUMN "redacted_at"`);
    await queryRunner.query(`ALTER TABLE "ingestion"."leads" DROP COLUMN "suppressed", DROP COLUMN "redacted_at"`);
    await queryRunner.query(`ALTER TABLE "ingestion"."raw_leads" DROP COLUMN "body_sha256", DROP COLUMN "redacted_at"`);
  }
}
