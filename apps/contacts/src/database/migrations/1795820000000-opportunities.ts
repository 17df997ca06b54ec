import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Deals: pipelines (their stages as a JSON list, one default per workspace, made when first
 * needed), opportunities with an amount in minor units (bigint) and an ISO 4217 currency, the
 * history of their stage moves (reopenings included), and lead conversions, each kept with its
 * Idempotency-Key, the fingerprint of its request and its answer, so that a retry gets that answer.
 */
export class Opportunities1795820000000 implements MigrationInterface {
  name = 'Opportunities1795820000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE "contacts"."pipelines" (
        "id" uuid PRIMARY KEY,
        "workspace_id" text NOT NULL,
        "name" text NOT NULL,
        "is_default" boolean NOT NULL DEFAULT false,
        "stages" jsonb NOT NULL CHECK (jsonb_typeof("stages") = 'array' AND jsonb_array_length("stages") > 0),
        "created_at" timestamptz NOT NULL DEFAULT now(),
        "updated_at" timestamptz NOT NULL DEFAULT now(),
        UNIQUE ("workspace_id", "id")
      )`);
    await queryRunner.query(
      `CREATE UNIQUE INDEX "pipelines_one_default_idx" ON "contacts"."pipelines" ("workspace_id") WHERE "is_default"`,
    );
    await queryRunner.query(
      `CREATE UNIQUE INDEX "pipelines_workspace_name_idx" ON "contacts"."pipelines" ("workspace_id", lower("name")) WHERE NOT "is_default"`,
    );
    await queryRunner.query(`
      CREATE TABLE "contacts"."opportunities" (
        "id" uuid PRIMARY KEY,
        "workspace_id" text NOT NULL,
        "name" text NOT NULL,
        "contact_id" uuid NOT NULL REFERENCES "contacts"."contacts" ("id"),
        "lead_id" uuid,
        "origin_lead_id" uuid,
        "amount" bigint NOT NULL CHECK ("amount" >= 0),
        "currency" text NOT NULL CHECK ("currency" ~ '^[A-Z]{3}$'),
        "pipeline_id" uuid NOT NULL,
        "stage" text NOT NULL,
        "probability_override" smallint CHECK ("probability_override" BETWEEN 0 AND 100),
        "expected_close_date" date,
        "owner_id" uuid,
        "closed_at" timestamptz,
        "lost_reason" text,
        "version" bigint NOT NULL DEFAULT 1,
        "created_at" timestamptz NOT NULL DEFAULT now(),
        "updated_at" timestamptz NOT NULL DEFAULT now(),
        "deleted_at" timestamptz,
        "created_by" text,
        "updated_by" text,
        FOREIGN KEY ("workspace_id", "pipeline_id") REFERENCES "contacts"."pipelines" ("workspace_id", "id")
      )`);
    await queryRunner.query(
      `CREATE INDEX "opportunities_workspace_live_idx" ON "contacts"."opportunities" ("workspace_id", "id" DESC) WHERE "deleted_at" IS NULL`,
    );
    await queryRunner.query(`CREATE INDEX "opportunities_contact_idx" ON "contacts"."opportunities" ("contact_id")`);
    await queryRunner.query(`CREATE INDEX "opportunities_pipeline_stage_idx" ON "contacts"."opportunities" ("pipeline_id", "stage")`);
    await queryRunner.query(`
      CREATE TABLE "contacts"."opportunity_stage_history" (
        "id" bigserial PRIMARY KEY,
        "workspace_id" text NOT NULL,
        "opportunity_id" uuid NOT NULL REFERENCES "contacts"."opportunities" ("id"),
        "version" bigint NOT NULL,
        "pipeline_id" uuid NOT NULL,
        "from_stage" text,
        "to_stage" text NOT NULL,
        "reopened" boolean NOT NULL DEFAULT false,
        "at" timestamptz NOT NULL DEFAULT now(),
        "by" text
      )`);
    await queryRunner.query(
      `CREATE INDEX "opportunity_stage_history_opportunity_idx" ON "contacts"."opportunity_stage_history" ("opportunity_id", "id")`,
    );
    await queryRunner.query(`
      CREATE TABLE "contacts"."lead_conversions" (
        "workspace_id" text NOT NULL,
        "lead_id" uuid NOT NULL,
        "contact_id" uuid NOT NULL REFERENCES "contacts"."contacts" ("id"),
        "opportunity_id" uuid REFERENCES "contacts"."opportunities" ("id"),
        "idempotency_key" text,
        "request_fingerprint" text NOT NULL,
        -- json, not jsonb: a replay answers the first answer with its keys in the same order.
        "result" json NOT NULL,
        "converted_at" timestamptz NOT NULL DEFAULT now(),
        "converted_by" text,
        PRIMARY KEY ("workspace_id", "lead_id")
      )`);
    await queryRunner.query(
      `CREATE UNIQUE INDEX "lead_conversions_idempotency_key_idx" ON "contacts"."lead_conversions" ("workspace_id", "idempotency_key")
       WHERE "idempotency_key" IS NOT NULL`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "contacts"."lead_conversions"`);
    await queryRunner.query(`DROP TABLE "contacts"."opportunity_stage_history"`);
    await queryRunner.query(`DROP TABLE "contacts"."opportunities"`);
    await queryRunner.query(`DROP TABLE "contacts"."pipelines"`);
  }
}
