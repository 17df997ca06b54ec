import { qualifiedTable } from '@leadflow/database';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';
import type { Role } from '../auth/roles';

export interface AdminRow {
  account_id: string;
  email: string;
  role: Role;
  created_at: Date;
}

/**
 * The SQL of a workspace's admins: accounts (email and password hash), their role in the
 * workspace, and the sessions that end when they leave it. Statements on memberships are scoped by
 * the workspace they are given.
 */
@Injectable()
export class WorkspaceAdminsRepository {
  private readonly accounts: string;
  private readonly admins: string;
  private readonly sessions: string;

  constructor(@InjectDataSource() private readonly dataSource: DataSource) {
    this.accounts = qualifiedTable(dataSource, 'admin_accounts');
    this.admins = qualifiedTable(dataSource, 'workspace_admins');
    this.sessions = qualifiedTable(dataSource, 'admin_sessions');
  }

  async list(workspaceId: string): Promise<AdminRow[]> {
    return (await this.dataSource.query(
      `SELECT a."account_id", c."email", a."role", a."created_at" FROM ${this.admins} a
       JOIN ${this.accounts} c ON c."id" = a."account_id" WHERE a."workspace_id" = $1 ORDER BY a."created_at", c."email"`,
      [workspaceId],
    )) as AdminRow[];
  }

  /** Which of `accountIds` are admins of the workspace. */
  async memberIds(workspaceId: string, accountIds: readonly string[]): Promise<Set<string>> {
    const rows = (await this.dataSource.query(
      `SELECT "account_id" FROM ${this.admins} WHERE "workspace_id" = $1 AND "account_id" = ANY($2::uuid[])`,
      [workspaceId, accountIds],
    )) as Array<{ account_id: string }>;
    return new Set(rows.map((row) => row.account_id));
  }

  /** The account with this (normalized) email, locked for the transaction. */
  async lockAccount(manager: EntityManager, email: string): Promise<{ id: string; password_hash: string } | undefined> {
    const [row] = (await manager.query(`SELECT "id", "password_hash" FROM ${this.accounts} WHERE "email" = $1 FOR UPDATE`, [
      email,
    ])) as Array<{
      id: string;
      password_hash: string;
    }>;
    return row;
  }

  async insertAccount(manager: EntityManager, accountId: string, email: string, passwordHash: string): Promise<void> {
    await manager.query(`INSERT INTO ${this.accounts} ("id", "email", "password_hash") VALUES ($1, $2, $3)`, [
      accountId,
      email,
      passwordHash,
    ]);
  }

  async setPassword(manager: EntityManager, accountId: string, passwordHash: string): Promise<void> {
    await manager.query(`UPDATE ${this.accounts} SET "password_hash" = $2 WHERE "id" = $1`, [accountId, passwordHash]);
  }

  async roleOf(manager: EntityManager, workspaceId: string, accountId: string, lock = false): Promise<Role | undefined> {
    const [row] = (await manager.query(
      `SELECT "role" FROM ${this.admins} WHERE "workspace_id" = $1 AND "account_id" = $2 ${lock ? 'FOR UPDATE' : ''}`,
      [workspaceId, accountId],
    )) as Array<{ role: Role }>;
    return row?.role;
  }

  /** The workspace's owners, locked, so that two removals cannot both leave it without one. */
  async lockOwners(manager: EntityManager, workspaceId: string): Promise<string[]> {
    const rows = (await manager.query(`SELECT "account_id" FROM ${this.admins} WHERE "workspace_id" = $1 AND "role" = 'owner' FOR UPDATE`, [
      workspaceId,
    ])) as Array<{ account_id: string }>;
    return rows.map((row) => row.account_id);
  }

  /** Makes the account an admin of the workspace with `role`, or changes its role; returns when it joined. */
  async upsert(manager: EntityManager, workspaceId: string, accountId: string, role: Role): Promise<Date> {
    const [row] = (await manager.query(
      `INSERT INTO ${this.admins} ("workspace_id", "account_id", "role") VALUES ($1, $2, $3)
       ON CONFLICT ("workspace_id", "account_id") DO UPDATE SET "role" = EXCLUDED."role" RETURNING "created_at"`,
      [workspaceId, accountId, role],
    )) as Array<{ created_at: Date }>;
    return (row as { created_at: Date }).created_at;
  }

  /** Removes the account from the workspace and ends its sessions there. */
  async remove(manager: EntityManager, workspaceId: string, accountId: string): Promise<void> {
    await manager.query(`DELETE FROM ${this.admins} WHERE "workspace_id" = $1 AND "account_id" = $2`, [workspaceId, accountId]);
    await manager.query(
      `UPDATE ${this.sessions} SET "revoked_at" = now() WHERE "workspace_id" = $1 AND "account_id" = $2 AND "revoked_at" IS NULL`,
      [workspaceId, accountId],
    );
  }
}
