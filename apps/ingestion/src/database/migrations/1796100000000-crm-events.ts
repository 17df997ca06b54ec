import { jobsTablesV1 } from '@leadflow/jobs';
import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * CRM webhooks: the event log and the three staging tables, range-partitioned by event time, one
 * partition a month (made ahead by a schedule, and on demand for a late event); `crm_event_ids`,
 * not partitioned, keeps each event's id and its webhook key unique across partitions (replay
 * protection); refused webhooks, kept for audit up to a cap; each integration's paused state; the
 * CRM lead → LeadFlow lead links; and the schema's jobs and schedules (libs/jobs).
 */
export class CrmEvents1796100000000 implements MigrationInterface {
  name = 'CrmEvents1796100000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    for (const statement of jobsTablesV1('ingestion').up) await queryRunner.query(statement);
    await queryRunner.query(`
      CREATE TABLE "ingestion"."crm_integrations" (
        "id" uuid PRIMARY KEY,
        "workspace_id" text NOT NULL,
        "paused" boolean NOT NULL,
        "updated_at" timestamptz NOT NULL DEFAULT now()
      )`);
    await queryRunner.query(`
      CREATE TABLE "ingestion"."crm_event_ids" (
        "id" uuid PRIMARY KEY,
        "integration_id" uuid NOT NULL,
        "dedup_key" text NOT NULL,
        "event_at" timestamptz NOT NULL,
        "received_at" timestamptz NOT NULL,
        CONSTRAINT "crm_event_ids_one_per_webhook" UNIQUE ("integration_id", "dedup_key")
      )`);
    await queryRunner.query(`CREATE INDEX "crm_event_ids_event_at_idx" ON "ingestion"."crm_event_ids" ("event_at")`);
    await queryRunner.query(`
      CREATE TABLE "ingestion"."crm_events_log" (
        "id" uuid NOT NULL,
        "integration_id" uuid NOT NULL,
        "workspace_id" text NOT NULL,
        "kind" text NOT NULL,
        "dedup_key" text NOT NULL,
        "external_event_id" text,
        "type" text,
        "external_id" text,
        "source_updated_at" timestamptz,
        "event_at" timestamptz NOT NULL,
        "received_at" timestamptz NOT NULL,
        "headers" jsonb NOT NULL,
        "body" bytea NOT NULL,
        "fields" jsonb,
        "status" text NOT NULL,
        "reason" text,
        "error" text,
        "attempts" integer NOT NULL DEFAULT 0,
        "dead_lettered" boolean NOT NULL DEFAULT false,
        "held" boolean NOT NULL DEFAULT false,
        "lead_id" uuid,
        "record_id" uuid,
        "request_id" text,
        "updated_at" timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY ("id", "event_at")
      ) PARTITION BY RANGE ("event_at")`);
    await queryRunner.query(`CREATE INDEX "crm_events_log_integration_idx" ON "ingestion"."crm_events_log" ("integration_id", "id" DESC)`);
    await queryRunner.query(`CREATE INDEX "crm_events_log_received_idx" ON "ingestion"."crm_events_log" ("integration_id", "received_at")`);
    for (const table of ['crm_leads_staging', 'crm_contacts_staging', 'crm_opportunities_staging']) {
      await queryRunner.query(`
        CREATE TABLE "ingestion"."${table}" (
          "crm_event_id" uuid NOT NULL,
          "integration_id" uuid NOT NULL,
          "workspace_id" text NOT NULL,
          "type" text NOT NULL,
          "external_id" text NOT NULL,
          "source_updated_at" timestamptz NOT NULL,
          "event_at" timestamptz NOT NULL,
          "received_at" timestamptz NOT NULL,
          "fields" jsonb NOT NULL,
          PRIMARY KEY ("crm_event_id", "event_at")
        ) PARTITION BY RANGE ("event_at")`);
      await queryRunner.query(
        `CREATE INDEX "${table}_record_idx" ON "ingestion"."${table}" ("integration_id", "external_id", "source_updated_at")`,
      );
    }
    await queryRunner.query(`
      CREATE TABLE "ingestion"."crm_rejected_webhooks" (
        "id" uuid PRIMARY KEY,
        "integration_id" uuid NOT NULL,
        "workspace_id" text NOT NULL,
        "received_at" timestamptz NOT NULL,
        "code" text NOT NULL,
        "reason" text NOT NULL,
        "headers" jsonb NOT NULL,
        "body" bytea NOT NULL,
        "body_bytes" integer NOT NULL,
        "request_id" text
      )`);
    await queryRunner.query(
      `CREATE INDEX "crm_rejected_webhooks_integration_idx" ON "ingestion"."crm_rejected_webhooks" ("integration_id", "id" DESC)`,
    );
    await queryRunner.query(`
      CREATE TABLE "ingestion"."crm_lead_links" (
        "integration_id" uuid NOT NULL,
        "external_id" text NOT NULL,
        "lead_id" uuid NOT NULL,
        "source_updated_at" timestamptz NOT NULL,
        PRIMARY KEY ("integration_id", "external_id")
      )`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    for (const table of [
      'crm_lead_links',
      'crm_rejected_webhooks',
      'crm_opportunities_staging',
      'crm_contacts_staging',
      'crm_leads_staging',
      'crm_events_log',
      'crm_event_ids',
      'crm_integrations',
    ]) {
      await queryRunner.query(`DROP TABLE "ingestion"."${table}"`);
    }
    for (const statement of jobsTablesV1('ingestion').down) await queryRunner.query(statement);
  }
}
