import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Admin accounts (email and an argon2id password hash), their roles per workspace, their sessions
 * (a refresh token stored as its SHA-256), and the audit log of admin writes.
 */
export class AdminAccountsAndAudit1795600200000 implements MigrationInterface {
  name = 'AdminAccountsAndAudit1795600200000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE "gateway"."admin_accounts" (
        "id" uuid PRIMARY KEY,
        "email" text NOT NULL UNIQUE CHECK ("email" = lower("email")),
        "password_hash" text NOT NULL,
        "created_at" timestamptz NOT NULL DEFAULT now()
      )`);
    await queryRunner.query(`
      CREATE TABLE "gateway"."workspace_admins" (
        "workspace_id" text NOT NULL REFERENCES "gateway"."workspaces" ("id"),
        "account_id" uuid NOT NULL REFERENCES "gateway"."admin_accounts" ("id"),
        "role" text NOT NULL CHECK ("role" IN ('owner', 'admin', 'viewer')),
        "created_at" timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY ("workspace_id", "account_id")
      )`);
    await queryRunner.query(`
      CREATE TABLE "gateway"."admin_sessions" (
        "id" uuid PRIMARY KEY,
        "account_id" uuid NOT NULL REFERENCES "gateway"."admin_accounts" ("id"),
        "workspace_id" text NOT NULL REFERENCES "gateway"."workspaces" ("id"),
        "refresh_hash" text NOT NULL UNIQUE,
        "created_at" timestamptz NOT NULL DEFAULT now(),
        "refreshed_at" timestamptz NOT NULL DEFAULT now(),
        "expires_at" timestamptz NOT NULL,
        "revoked_at" timestamptz
      )`);
    await queryRunner.query(
      `CREATE INDEX "admin_sessions_account" ON "gateway"."admin_sessions" ("account_id") WHERE "revoked_at" IS NULL`,
    );
    await queryRunner.query(`
      CREATE TABLE "gateway"."audit_log" (
        "id" uuid PRIMARY KEY,
        "at" timestamptz NOT NULL DEFAULT now(),
        "workspace_id" text NOT NULL,
        "actor" text NOT NULL,
        "action" text NOT NULL,
        "target" text NOT NULL,
        "before" jsonb,
        "after" jsonb,
        "request_id" text
      )`);
    await queryRunner.query(`CREATE INDEX "audit_log_workspace" ON "gateway"."audit_log" ("workspace_id", "id" DESC)`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    for (const table of ['audit_log', 'admin_sessions', 'workspace_admins', 'admin_accounts']) {
      await queryRunner.query(`DROP TABLE "gateway"."${table}"`);
    }
  }
}
