import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Outbound webhooks: a workspace's endpoints with their signing secrets (two during a rotation), the
 * deliveries the gateway makes to them (one per event and endpoint, its `message_id` the stable
 * `webhook-id`) and every attempt of each. A delivery is pending until it succeeds or runs out of
 * attempts; `attempts` counts the attempts of its current round (a resend or recover starts a new
 * one), `total_attempts` all of them. An endpoint remembers since when it has been failing.
 * A `postback` endpoint belongs to an intake key (its `source`, the key's name): its URL is a
 * template, and each of its deliveries is a GET of the expanded `target_url`.
 */
export class WebhookEndpoints1796500000000 implements MigrationInterface {
  name = 'WebhookEndpoints1796500000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE "gateway"."webhook_endpoints" (
        "id" uuid PRIMARY KEY,
        "workspace_id" text NOT NULL,
        "url" text NOT NULL,
        "description" text,
        "event_types" text[] NOT NULL,
        "enabled" boolean NOT NULL DEFAULT true,
        "rate_limit_per_second" integer,
        "failing_since" timestamptz,
        "disabled_reason" text,
        "disabled_at" timestamptz,
        "kind" text NOT NULL DEFAULT 'webhook' CHECK ("kind" IN ('webhook', 'postback')),
        "api_key_id" uuid,
        "source" text,
        "created_by" text NOT NULL,
        "created_at" timestamptz NOT NULL DEFAULT now(),
        "updated_at" timestamptz NOT NULL DEFAULT now(),
        "deleted_at" timestamptz
      )`);
    await queryRunner.query(`CREATE INDEX "webhook_endpoints_workspace_idx" ON "gateway"."webhook_endpoints" ("workspace_id", "id" DESC)`);
    await queryRunner.query(`
      CREATE TABLE "gateway"."webhook_endpoint_secrets" (
        "id" uuid PRIMARY KEY,
        "endpoint_id" uuid NOT NULL REFERENCES "gateway"."webhook_endpoints" ("id") ON DELETE CASCADE,
        "secret" text NOT NULL,
        "created_at" timestamptz NOT NULL DEFAULT now(),
        "expires_at" timestamptz
      )`);
    await queryRunner.query(`CREATE INDEX "webhook_endpoint_secrets_endpoint_idx" ON "gateway"."webhook_endpoint_secrets" ("endpoint_id")`);
    await queryRunner.query(`
      CREATE TABLE "gateway"."webhook_deliveries" (
        "id" uuid PRIMARY KEY,
        "workspace_id" text NOT NULL,
        "endpoint_id" uuid NOT NULL REFERENCES "gateway"."webhook_endpoints" ("id") ON DELETE CASCADE,
        "message_id" text NOT NULL,
        "event_type" text NOT NULL,
        "body" text NOT NULL,
        "target_url" text,
        "status" text NOT NULL CHECK ("status" IN ('pending', 'succeeded', 'failed')),
        "attempts" integer NOT NULL DEFAULT 0,
        "total_attempts" integer NOT NULL DEFAULT 0,
        "next_attempt_at" timestamptz,
        "claimed_until" timestamptz,
        "last_error" text,
        "created_at" timestamptz NOT NULL DEFAULT now(),
        "completed_at" timestamptz,
        UNIQUE ("endpoint_id", "message_id")
      )`);
    // The claim walks each endpoint's due deliveries and counts its leased ones: both by endpoint, so
    // a backlog on one endpoint costs the others nothing.
    await queryRunner.query(
      `CREATE INDEX "webhook_deliveries_due_idx" ON "gateway"."webhook_deliveries" ("endpoint_id", "next_attempt_at", "id") WHERE "status" = 'pending'`,
    );
    await queryRunner.query(
      `CREATE INDEX "webhook_deliveries_leased_idx" ON "gateway"."webhook_deliveries" ("endpoint_id", "claimed_until") WHERE "status" = 'pending'`,
    );
    await queryRunner.query(`CREATE INDEX "webhook_deliveries_endpoint_idx" ON "gateway"."webhook_deliveries" ("endpoint_id", "id" DESC)`);
    await queryRunner.query(`
      CREATE TABLE "gateway"."webhook_delivery_attempts" (
        "delivery_id" uuid NOT NULL REFERENCES "gateway"."webhook_deliveries" ("id") ON DELETE CASCADE,
        "number" integer NOT NULL,
        "attempted_at" timestamptz NOT NULL DEFAULT now(),
        "status_code" integer,
        "response_snippet" text,
        "latency_ms" integer NOT NULL,
        "error" text,
        "succeeded" boolean NOT NULL,
        PRIMARY KEY ("delivery_id", "number")
      )`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "gateway"."webhook_delivery_attempts"`);
    await queryRunner.query(`DROP TABLE "gateway"."webhook_deliveries"`);
    await queryRunner.query(`DROP TABLE "gateway"."webhook_endpoint_secrets"`);
    await queryRunner.query(`DROP TABLE "gateway"."webhook_endpoints"`);
  }
}
