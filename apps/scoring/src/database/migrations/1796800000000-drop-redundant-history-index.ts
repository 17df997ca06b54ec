import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * `score_history_contact_recorded` (workspace, contact, at DESC, id DESC) serves every read that
 * `score_history_contact_at` (workspace, contact, at) served: each filters on the contact and
 * ranges or orders on `at`, which a btree scans either way. One index fewer on every history row
 * written (three per scored lead with the default rules).
 */
export class DropRedundantHistoryIndex1796800000000 implements MigrationInterface {
  name = 'DropRedundantHistoryIndex1796800000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX IF EXISTS "scoring"."score_history_contact_at"`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`CREATE INDEX "score_history_contact_at" ON "scoring"."score_history" ("workspace_id", "contact_id", "at")`);
  }
}
