import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The click ids that senders with a postback sent with their leads, by lead: what `{click_id}` in
 * a postback URL expands to when that lead's stage changes or it converts.
 */
export class PostbackClicks1796700100000 implements MigrationInterface {
  name = 'PostbackClicks1796700100000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE "gateway"."postback_clicks" (
        "workspace_id" text NOT NULL,
        "lead_id" text NOT NULL,
        "click_id" text NOT NULL,
        "created_at" timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY ("workspace_id", "lead_id")
      )`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "gateway"."postback_clicks"`);
  }
}
