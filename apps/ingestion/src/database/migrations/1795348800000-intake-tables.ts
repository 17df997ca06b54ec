import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Raw requests as received, the leads normalized from them, and the bodies that were refused. */
export class IntakeTables1795348800000 implements MigrationInterface {
  name = 'IntakeTables1795348800000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE "ingestion"."raw_leads" (
        "id" uuid PRIMARY KEY,
        "workspace_id" text NOT NULL,
        "source" text NOT NULL,
        "idempotency_key" text,
        "fingerprint" text NOT NULL,
        "content_type" text NOT NULL,
        "headers" jsonb NOT NULL,
        "remote_address" text,
        "body" bytea NOT NULL,
        "received_at" timestamptz NOT NULL,
        "request_id" text,
        CONSTRAINT "raw_leads_idempotency_key" UNIQUE ("workspace_id", "source", "idempotency_key")
      )`);
    await queryRunner.query(`
      CREATE TABLE "ingestion"."leads" (
        "id" uuid PRIMARY KEY REFERENCES "ingestion"."raw_leads" ("id"),
        "workspace_id" text NOT NULL,
        "source" text NOT NULL,
        "received_at" timestamptz NOT NULL,
        "first_name" text,
        "last_name" text,
        "email" text,
        "email_valid" boolean NOT NULL,
        "phone" text,
        "phone_valid" boolean NOT NULL,
        "country" text,
        "language" text,
        "ip" text,
        "offer" text,
        "click_id" text,
        "creo" text,
        "description" text,
        "domain" text,
        "marker" text,
        "sourcetype" text,
        "extra" jsonb NOT NULL,
        "issues" jsonb NOT NULL,
        "payload" jsonb NOT NULL
      )`);
    await queryRunner.query(`CREATE INDEX "leads_workspace_id_idx" ON "ingestion"."leads" ("workspace_id", "id" DESC)`);
    await queryRunner.query(`CREATE INDEX "leads_workspace_email_idx" ON "ingestion"."leads" ("workspace_id", "email", "id" DESC)`);
    await queryRunner.query(`CREATE INDEX "leads_workspace_source_idx" ON "ingestion"."leads" ("workspace_id", "source", "id" DESC)`);
    await queryRunner.query(`CREATE INDEX "leads_workspace_offer_idx" ON "ingestion"."leads" ("workspace_id", "offer", "id" DESC)`);
    await queryRunner.query(`CREATE INDEX "leads_workspace_received_idx" ON "ingestion"."leads" ("workspace_id", "received_at")`);
    await queryRunner.query(`
      CREATE TABLE "ingestion"."rejected_requests" (
        "id" uuid PRIMARY KEY,
        "workspace_id" text NOT NULL,
        "source" text NOT NULL,
        "reason" text NOT NULL,
        "content_type" text NOT NULL,
        "headers" jsonb NOT NULL,
        "remote_address" text,
        "body" bytea NOT NULL,
        "body_bytes" integer NOT NULL,
        "truncated" boolean NOT NULL,
        "received_at" timestamptz NOT NULL,
        "request_id" text
      )`);
    await queryRunner.query(
      `CREATE INDEX "rejected_requests_received_idx" ON "ingestion"."rejected_requests" ("workspace_id", "received_at")`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "ingestion"."rejected_requests"`);
    await queryRunner.query(`DROP TABLE "ingestion"."leads"`);
    await queryRunner.query(`DROP TABLE "ingestion"."raw_leads"`);
  }
}
