import type { MigrationInterface, QueryRunner } from 'typeorm';

/** The webhook simulator's history: what was signed and sent where, and what came back (never a secret). */
export class SimulatedWebhooks1796100100000 implements MigrationInterface {
  name = 'SimulatedWebhooks1796100100000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE "gateway"."simulated_webhooks" (
        "id" uuid PRIMARY KEY,
        "workspace_id" text NOT NULL,
        "integration_id" uuid,
        "kind" text NOT NULL,
        "target_url" text NOT NULL,
        "event_type" text NOT NULL,
        "webhook_id" text NOT NULL,
        "request_headers" jsonb NOT NULL,
        "request_body" text NOT NULL,
        "response_status" integer,
        "response_body" text,
        "error" text,
        "duration_ms" integer NOT NULL,
        "created_by" text NOT NULL,
        "created_at" timestamptz NOT NULL DEFAULT now()
      )`);
    await queryRunner.query(
      `CREATE INDEX "simulated_webhooks_workspace_idx" ON "gateway"."simulated_webhooks" ("workspace_id", "id" DESC)`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "gateway"."simulated_webhooks"`);
  }
}
