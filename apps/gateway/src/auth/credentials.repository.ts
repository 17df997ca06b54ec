import { qualifiedTable } from '@leadflow/database';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import type { Role } from './roles';

export interface LiveKeyRow {
  id: string;
  workspace_id: string;
  name: string;
  scopes: string[];
  rate_limit_per_second: number | null;
  rate_limit_burst: number | null;
  allowed_origins: string[] | null;
}

export interface SessionRow {
  id: string;
  account_id: string;
  workspace_id: string;
  revoked_at: Date | null;
  expires_at: Date;
}

export interface Membership {
  workspace_id: string;
  role: Role;
}

/**
 * The SQL of signing in and of the guard's per-request reads: live keys by hash, accounts by
 * email, their memberships, sessions (opened, rotated, revoked), and the default workspace's
 * keyless-intake setting. Keys, admins and workspaces are managed in `workspaces/`.
 */
@Injectable()
export class CredentialsRepository {
  private readonly apiKeys: string;
  private readonly accounts: string;
  private readonly sessions: string;
  private readonly admins: string;
  private readonly workspaces: string;

  constructor(@InjectDataSource() private readonly dataSource: DataSource) {
    this.apiKeys = qualifiedTable(dataSource, 'api_keys');
    this.accounts = qualifiedTable(dataSource, 'admin_accounts');
    this.sessions = qualifiedTable(dataSource, 'admin_sessions');
    this.admins = qualifiedTable(dataSource, 'workspace_admins');
    this.workspaces = qualifiedTable(dataSource, 'workspaces');
  }

  async liveKeyByHash(hash: string): Promise<LiveKeyRow | undefined> {
    const [row] = (await this.dataSource.query(
      `SELECT "id", "workspace_id", "name", "scopes", "rate_limit_per_second", "rate_limit_burst", "allowed_origins" FROM ${this.apiKeys}
       WHERE "key_hash" = $1 AND "revoked_at" IS NULL`,
      [hash],
    )) as LiveKeyRow[];
    return row;
  }

  async recordKeyUse(keyId: string): Promise<void> {
    await this.dataSource.query(`UPDATE ${this.apiKeys} SET "last_used_at" = now() WHERE "id" = $1`, [keyId]);
  }

  async legacyIntakeOpen(workspaceId: string): Promise<boolean> {
    const [row] = (await this.dataSource.query(`SELECT "legacy_intake_open" FROM ${this.workspaces} WHERE "id" = $1`, [
      workspaceId,
    ])) as Array<{
      legacy_intake_open: boolean;
    }>;
    return row?.legacy_intake_open === true;
  }

  async accountByEmail(email: string): Promise<{ id: string; password_hash: string } | undefined> {
    const [row] = (await this.dataSource.query(`SELECT "id", "password_hash" FROM ${this.accounts} WHERE "email" = $1`, [email])) as Array<{
      id: string;
      password_hash: string;
    }>;
    return row;
  }

  /** The account's role in `workspaceId`, or in its oldest workspace when none is named. */
  async membership(accountId: string, workspaceId: string | undefined): Promise<Membership | undefined> {
    const [row] = (await this.dataSource.query(
      `SELECT "workspace_id", "role" FROM ${this.admins}
       WHERE "account_id" = $1 AND ($2::text IS NULL OR "workspace_id" = $2) ORDER BY "created_at" LIMIT 1`,
      [accountId, workspaceId ?? null],
    )) as Membership[];
    return row;
  }

  async openSession(session: {
    id: string;
    accountId: string;
    workspaceId: string;
    refreshHash: string;
    ttlSeconds: number;
  }): Promise<void> {
    await this.dataSource.query(
      `INSERT INTO ${this.sessions} ("id", "account_id", "workspace_id", "refresh_hash", "expires_at")
       VALUES ($1, $2, $3, $4, now() + make_interval(secs => $5))`,
      [session.id, session.accountId, session.workspaceId, session.refreshHash, session.ttlSeconds],
    );
  }

  async sessionByRefreshHash(refreshHash: string): Promise<SessionRow | undefined> {
    const [row] = (await this.dataSource.query(
      `SELECT "id", "account_id", "workspace_id", "revoked_at", "expires_at" FROM ${this.sessions} WHERE "refresh_hash" = $1`,
      [refreshHash],
    )) as SessionRow[];
    return row;
  }

  /**
   * Moves a live session from `fromHash` to `toHash` (and into `workspaceId`), extending it.
   * False when another refresh took it first: only one refresh of a token succeeds.
   */
  async rotateSession(sessionId: string, fromHash: string, toHash: string, workspaceId: string, ttlSeconds: number): Promise<boolean> {
    const [rows] = (await this.dataSource.query(
      `UPDATE ${this.sessions}
       SET "refresh_hash" = $2, "refreshed_at" = now(), "expires_at" = now() + make_interval(secs => $3), "workspace_id" = $4
       WHERE "id" = $1 AND "refresh_hash" = $5 AND "revoked_at" IS NULL RETURNING "id"`,
      [sessionId, toHash, ttlSeconds, workspaceId, fromHash],
    )) as [unknown[], number];
    return rows.length > 0;
  }

  async revokeSession(sessionId: string): Promise<void> {
    await this.dataSource.query(`UPDATE ${this.sessions} SET "revoked_at" = coalesce("revoked_at", now()) WHERE "id" = $1`, [sessionId]);
  }

  /** The current role of a live session's account in the session's workspace; undefined once revoked, expired or removed. */
  async liveSessionRole(sessionId: string, accountId: string, workspaceId: string): Promise<Role | undefined> {
    const [row] = (await this.dataSource.query(
      `SELECT a."role" FROM ${this.sessions} s
       JOIN ${this.admins} a ON a."workspace_id" = s."workspace_id" AND a."account_id" = s."account_id"
       WHERE s."id" = $1 AND s."account_id" = $2 AND s."workspace_id" = $3 AND s."revoked_at" IS NULL AND s."expires_at" > now()`,
      [sessionId, accountId, workspaceId],
    )) as Array<{ role: Role }>;
    return row?.role;
  }
}
