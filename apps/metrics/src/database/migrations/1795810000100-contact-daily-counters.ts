import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Contacts created, soft-deleted and restored per workspace and UTC day; the inbox keeps each event counted once. */
export class ContactDailyCounters1795810000100 implements MigrationInterface {
  name = 'ContactDailyCounters1795810000100';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE "metrics"."contact_daily_counters" (
        "workspace_id" text NOT NULL,
        "day" date NOT NULL,
        "created" integer NOT NULL DEFAULT 0 CHECK ("created" >= 0),
        "deleted" integer NOT NULL DEFAULT 0 CHECK ("deleted" >= 0),
        "restored" integer NOT NULL DEFAULT 0 CHECK ("restored" >= 0),
        PRIMARY KEY ("workspace_id", "day")
      )`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "metrics"."contact_daily_counters"`);
  }
}
