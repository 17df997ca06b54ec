import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Activity events: each request's raw bytes (`raw_activity_requests`) and each event normalized
 * (`activities`), one per (workspace, message id), the idempotency key trackers send.
 */
export class Activities1795850000000 implements MigrationInterface {
  name = 'Activities1795850000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE "ingestion"."raw_activity_requests" (
        "id" uuid PRIMARY KEY,
        "workspace_id" text NOT NULL,
        "source" text NOT NULL,
        "content_type" text NOT NULL,
        "headers" jsonb NOT NULL,
        "remote_address" text,
        "body" bytea NOT NULL,
        "events" integer NOT NULL,
        "received_at" timestamptz NOT NULL,
        "request_id" text,
        "body_sha256" text,
        "redacted_at" timestamptz
      )`);
    await queryRunner.query(`
      CREATE TABLE "ingestion"."activities" (
        "id" uuid PRIMARY KEY,
        "workspace_id" text NOT NULL,
        "raw_request_id" uuid NOT NULL REFERENCES "ingestion"."raw_activity_requests" ("id"),
        "message_id" text NOT NULL,
        "kind" text NOT NULL,
        "name" text NOT NULL,
        "anonymous_id" text,
        "user_id" text,
        "previous_id" text,
        "email" text,
        "email_valid" boolean NOT NULL,
        "phone" text,
        "phone_valid" boolean NOT NULL,
        "contact_id" uuid,
        "identity_hashes" text[] NOT NULL,
        "properties" jsonb NOT NULL,
        "traits" jsonb NOT NULL,
        "occurred_at" timestamptz NOT NULL,
        "received_at" timestamptz NOT NULL,
        "time_flag" text,
        "source" text NOT NULL,
        "suppressed" boolean NOT NULL DEFAULT false,
        "redacted_at" timestamptz,
        CONSTRAINT "activities_one_per_message" UNIQUE ("workspace_id", "message_id")
      )`);
    await queryRunner.query(`CREATE INDEX "activities_raw_request_idx" ON "ingestion"."activities" ("raw_request_id")`);
    await queryRunner.query(`CREATE INDEX "activities_identity_hashes_idx" ON "ingestion"."activities" USING gin ("identity_hashes")`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "ingestion"."activities"`);
    await queryRunner.query(`DROP TABLE "ingestion"."raw_activity_requests"`);
  }
}
