import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Workspaces and their API keys. A key is stored as its SHA-256 with a short clear prefix; a
 * bootstrap key (from the environment) is marked with its role, so that a later start finds it.
 */
export class WorkspacesAndKeys1795600000000 implements MigrationInterface {
  name = 'WorkspacesAndKeys1795600000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE "gateway"."workspaces" (
        "id" text PRIMARY KEY,
        "name" text NOT NULL,
        "legacy_intake_open" boolean NOT NULL DEFAULT false,
        "created_at" timestamptz NOT NULL DEFAULT now()
      )`);
    await queryRunner.query(`
      CREATE TABLE "gateway"."api_keys" (
        "id" uuid PRIMARY KEY,
        "workspace_id" text NOT NULL REFERENCES "gateway"."workspaces" ("id"),
        "name" text NOT NULL,
        "prefix" text NOT NULL,
        "key_hash" text NOT NULL UNIQUE,
        "scopes" text[] NOT NULL,
        "rate_limit_per_second" integer,
        "rate_limit_burst" integer,
        "bootstrap" text UNIQUE,
        "created_at" timestamptz NOT NULL DEFAULT now(),
        "last_used_at" timestamptz,
        "revoked_at" timestamptz
      )`);
    // A key's name is the source of the leads it sends: unique among a workspace's live keys.
    await queryRunner.query(
      `CREATE UNIQUE INDEX "api_keys_live_name" ON "gateway"."api_keys" ("workspace_id", "name") WHERE "revoked_at" IS NULL`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "gateway"."api_keys"`);
    await queryRunner.query(`DROP TABLE "gateway"."workspaces"`);
  }
}
