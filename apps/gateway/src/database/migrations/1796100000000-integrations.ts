import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * CRM integrations: each sends webhooks to its own URL, signed by its kind's scheme with one of its
 * secrets (two during a rotation: the older one keeps working until `expires_at`). Secrets are
 * kept as they are, since verifying an HMAC needs the key itself; they are shown once, never read
 * back through the API. A deleted integration keeps its row (audit) and answers no webhook.
 */
export class Integrations1796100000000 implements MigrationInterface {
  name = 'Integrations1796100000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE "gateway"."integrations" (
        "id" uuid PRIMARY KEY,
        "workspace_id" text NOT NULL,
        "name" text NOT NULL,
        "kind" text NOT NULL,
        "tolerance_seconds" integer NOT NULL DEFAULT 300,
        "mapping" jsonb,
        "paused" boolean NOT NULL DEFAULT false,
        "created_by" text NOT NULL,
        "created_at" timestamptz NOT NULL DEFAULT now(),
        "updated_at" timestamptz NOT NULL DEFAULT now(),
        "deleted_at" timestamptz
      )`);
    await queryRunner.query(`CREATE INDEX "integrations_workspace_idx" ON "gateway"."integrations" ("workspace_id", "id" DESC)`);
    await queryRunner.query(`
      CREATE TABLE "gateway"."integration_secrets" (
        "id" uuid PRIMARY KEY,
        "integration_id" uuid NOT NULL REFERENCES "gateway"."integrations" ("id") ON DELETE CASCADE,
        "secret" text NOT NULL,
        "created_at" timestamptz NOT NULL DEFAULT now(),
        "expires_at" timestamptz
      )`);
    await queryRunner.query(`CREATE INDEX "integration_secrets_integration_idx" ON "gateway"."integration_secrets" ("integration_id")`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "gateway"."integration_secrets"`);
    await queryRunner.query(`DROP TABLE "gateway"."integrations"`);
  }
}
