import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Activity metrics: activities per workspace, UTC day and event name (`counted_activities` keeps
 * an activity from being counted twice, even when it arrives again under a new event id), and the
 * stage funnel (`stage_funnel`: the day each contact first reached each stage).
 */
export class ActivityMetrics1795880000000 implements MigrationInterface {
  name = 'ActivityMetrics1795880000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE "metrics"."counted_activities" (
        "workspace_id" text NOT NULL,
        "activity_id" uuid NOT NULL,
        "day" date NOT NULL,
        "name" text NOT NULL,
        PRIMARY KEY ("workspace_id", "activity_id")
      )`);
    await queryRunner.query(`
      CREATE TABLE "metrics"."activity_daily_counters" (
        "workspace_id" text NOT NULL,
        "day" date NOT NULL,
        "name" text NOT NULL,
        "events" bigint NOT NULL DEFAULT 0 CHECK ("events" >= 0),
        PRIMARY KEY ("workspace_id", "day", "name")
      )`);
    await queryRunner.query(`
      CREATE TABLE "metrics"."stage_funnel" (
        "workspace_id" text NOT NULL,
        "contact_id" uuid NOT NULL,
        "stage" text NOT NULL CHECK ("stage" IN ('cold', 'warm', 'hot', 'qualified')),
        "day" date NOT NULL,
        PRIMARY KEY ("workspace_id", "contact_id", "stage")
      )`);
    await queryRunner.query(`CREATE INDEX "stage_funnel_by_day" ON "metrics"."stage_funnel" ("workspace_id", "day")`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "metrics"."stage_funnel"`);
    await queryRunner.query(`DROP TABLE "metrics"."activity_daily_counters"`);
    await queryRunner.query(`DROP TABLE "metrics"."counted_activities"`);
  }
}
