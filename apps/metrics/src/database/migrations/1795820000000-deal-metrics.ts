import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Deal metrics kept as per-item state, so that redelivered and out-of-order events converge:
 * each opportunity's newest state (by its version), the source and offer of each attributed lead,
 * and each lead conversion. Reports sum these rows when asked.
 */
export class DealMetrics1795820000000 implements MigrationInterface {
  name = 'DealMetrics1795820000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE "metrics"."deal_opportunities" (
        "workspace_id" text NOT NULL,
        "opportunity_id" uuid NOT NULL,
        "version" bigint NOT NULL,
        "contact_id" uuid NOT NULL,
        "origin_lead_id" text,
        "pipeline_id" uuid NOT NULL,
        "stage" text NOT NULL,
        "status" text NOT NULL CHECK ("status" IN ('open', 'won', 'lost')),
        "amount" bigint NOT NULL,
        "currency" text NOT NULL,
        "closed_at" timestamptz,
        "deleted" boolean NOT NULL,
        "updated_at" timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY ("workspace_id", "opportunity_id")
      )`);
    await queryRunner.query(
      `CREATE INDEX "deal_opportunities_closed_idx" ON "metrics"."deal_opportunities" ("workspace_id", "closed_at") WHERE "status" <> 'open'`,
    );
    await queryRunner.query(`
      CREATE TABLE "metrics"."deal_lead_origins" (
        "workspace_id" text NOT NULL,
        "lead_id" text NOT NULL,
        "contact_id" uuid NOT NULL,
        "source" text NOT NULL,
        "offer" text NOT NULL DEFAULT '',
        PRIMARY KEY ("workspace_id", "lead_id")
      )`);
    await queryRunner.query(`
      CREATE TABLE "metrics"."deal_conversions" (
        "workspace_id" text NOT NULL,
        "lead_id" text NOT NULL,
        "contact_id" uuid NOT NULL,
        "opportunity_id" uuid,
        "source" text NOT NULL,
        "offer" text NOT NULL DEFAULT '',
        "converted_at" timestamptz NOT NULL,
        PRIMARY KEY ("workspace_id", "lead_id")
      )`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "metrics"."deal_conversions"`);
    await queryRunner.query(`DROP TABLE "metrics"."deal_lead_origins"`);
    await queryRunner.query(`DROP TABLE "metrics"."deal_opportunities"`);
  }
}
