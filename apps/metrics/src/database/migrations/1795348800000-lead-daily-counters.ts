import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The counters read model: one row per workspace, UTC day, source, offer and country, incremented
 * in place. Absent offer/country are '' so that they can be part of the primary key. Beside it,
 * the leads already counted, so that the same lead published again under a new event id (a replay)
 * is not counted twice.
 */
export class LeadDailyCounters1795348800000 implements MigrationInterface {
  name = 'LeadDailyCounters1795348800000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE "metrics"."lead_daily_counters" (
        "workspace_id" text NOT NULL,
        "day" date NOT NULL,
        "source" text NOT NULL,
        "offer" text NOT NULL DEFAULT '',
        "country" text NOT NULL DEFAULT '',
        "leads" bigint NOT NULL DEFAULT 0,
        "new_contacts" bigint NOT NULL DEFAULT 0,
        "returning_contacts" bigint NOT NULL DEFAULT 0,
        "entered_cold" bigint NOT NULL DEFAULT 0,
        "entered_warm" bigint NOT NULL DEFAULT 0,
        "entered_hot" bigint NOT NULL DEFAULT 0,
        "entered_qualified" bigint NOT NULL DEFAULT 0,
        "updated_at" timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY ("workspace_id", "day", "source", "offer", "country")
      )`);
    await queryRunner.query(`
      CREATE TABLE "metrics"."counted_lead_events" (
        "workspace_id" text NOT NULL,
        "lead_id" text NOT NULL,
        "event_type" text NOT NULL,
        "day" date NOT NULL,
        "counted_at" timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY ("workspace_id", "lead_id", "event_type")
      )`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "metrics"."counted_lead_events"`);
    await queryRunner.query(`DROP TABLE "metrics"."lead_daily_counters"`);
  }
}
