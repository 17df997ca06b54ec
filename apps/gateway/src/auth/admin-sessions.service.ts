import { AppException, ErrorCodes } from '@leadflow/contracts';
import { qualifiedTable } from '@leadflow/database';
import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';
import { v7 as uuidv7 } from 'uuid';
import { GatewayEnv } from '../config/env';
import { hashApiKey } from './api-key';
import { AuditLog } from './audit-log';
import { AccessTokens, hashPassword, newRefreshToken, passwordMatches, UNKNOWN_ACCOUNT_HASH } from './credentials-crypto';
import type { AddAdminDto } from './dto';
import type { Principal } from './principal';
import { DEFAULT_KEY_RATE_LIMIT } from './rate-limits';
import { ROLE_PERMISSIONS, type Role } from './roles';

export interface SignedIn {
  accessToken: string;
  tokenType: 'Bearer';
  /** Seconds until the access token expires. */
  expiresIn: number;
  refreshToken: string;
  workspaceId: string;
  role: Role;
}

export interface AdminView {
  accountId: string;
  email: string;
  role: Role;
  createdAt: string;
}

const invalidCredentials = () => new AppException(ErrorCodes.unauthorized, 'The email or the password is wrong', 401);
const loginDisabled = () =>
  new AppException(ErrorCodes.loginDisabled, 'Admin sign-in is not configured on this gateway (AUTH_TOKEN_SECRET)', 503);

/**
 * Admin accounts: sign-in with email and password into one workspace, short-lived access tokens
 * backed by a session that sign-out revokes at once, rotating refresh tokens (a refresh token used
 * twice revokes its session), and owners managing their workspace's admins.
 */
@Injectable()
export class AdminAccounts {
  private readonly tokens: AccessTokens | undefined;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @Inject(GatewayEnv) private readonly env: GatewayEnv,
    private readonly audit: AuditLog,
  ) {
    this.tokens = env.AUTH_TOKEN_SECRET ? new AccessTokens(env.AUTH_TOKEN_SECRET, env.ACCESS_TOKEN_TTL_SECONDS) : undefined;
  }

  /**
   * Checks the password and opens a session in `workspaceId` (or the account's first workspace).
   * Throws 401 for a wrong email or password, taking as long for both.
   */
  async signIn(email: string, password: string, workspaceId: string | undefined): Promise<SignedIn> {
    const tokens = this.requireTokens();
    const [account] = (await this.dataSource.query(`SELECT "id", "password_hash" FROM ${this.table('admin_accounts')} WHERE "email" = $1`, [
      email.trim().toLowerCase(),
    ])) as Array<{ id: string; password_hash: string }>;
    const matches = await passwordMatches(account?.password_hash ?? (await UNKNOWN_ACCOUNT_HASH), password);
    if (!account || !matches) throw invalidCredentials();
    const membership = await this.membership(account.id, workspaceId);
    if (!membership) throw new AppException(ErrorCodes.forbidden, 'This account is not an admin of that workspace', 403);
    return this.openSession(tokens, account.id, membership.workspace_id, membership.role);
  }

  /** Exchanges a refresh token for new tokens (the old refresh token stops working); reuse revokes the session. */
  async refresh(refreshToken: string, workspaceId: string | undefined): Promise<SignedIn> {
    const tokens = this.requireTokens();
    const [session] = (await this.dataSource.query(
      `SELECT "id", "account_id", "workspace_id", "revoked_at", "expires_at" FROM ${this.table('admin_sessions')} WHERE "refresh_hash" = $1`,
      [hashApiKey(refreshToken)],
    )) as Array<{ id: string; account_id: string; workspace_id: string; revoked_at: Date | null; expires_at: Date }>;
    if (!session || session.revoked_at || session.expires_at.getTime() <= Date.now()) {
      throw new AppException(ErrorCodes.unauthorized, 'The refresh token is not valid, expired, or was revoked', 401);
    }
    const membership = await this.membership(session.account_id, workspaceId ?? session.workspace_id);
    if (!membership) throw new AppException(ErrorCodes.forbidden, 'This account is not an admin of that workspace', 403);
    const { token, hash } = newRefreshToken();
    // Rotation: only one refresh of a token succeeds; the session is then under the new token.
    const [rows] = (await this.dataSource.query(
      `UPDATE ${this.table('admin_sessions')}
       SET "refresh_hash" = $2, "refreshed_at" = now(), "expires_at" = now() + make_interval(secs => $3), "workspace_id" = $4
       WHERE "id" = $1 AND "refresh_hash" = $5 AND "revoked_at" IS NULL RETURNING "id"`,
      [session.id, hash, this.env.REFRESH_TOKEN_TTL_SECONDS, membership.workspace_id, hashApiKey(refreshToken)],
    )) as [unknown[], number];
    if (rows.length === 0) throw new AppException(ErrorCodes.unauthorized, 'The refresh token was already used', 401);
    return {
      accessToken: await tokens.sign({
        accountId: session.account_id,
        sessionId: session.id,
        workspaceId: membership.workspace_id,
        role: membership.role,
      }),
      tokenType: 'Bearer',
      expiresIn: this.env.ACCESS_TOKEN_TTL_SECONDS,
      refreshToken: token,
      workspaceId: membership.workspace_id,
      role: membership.role,
    };
  }

  /** Revokes the caller's session: its access and refresh tokens stop working at once. */
  async signOut(caller: Principal): Promise<void> {
    await this.dataSource.query(`UPDATE ${this.table('admin_sessions')} SET "revoked_at" = coalesce("revoked_at", now()) WHERE "id" = $1`, [
      caller.sessionId,
    ]);
  }

  /**
   * The principal of a valid access token whose session is live and whose account is still an admin
   * of the workspace (with its current role). Checked on every request, so that sign-out and removal
   * take effect at once.
   */
  async authenticate(token: string): Promise<Principal | undefined> {
    const claims = await this.tokens?.verify(token);
    if (!claims) return undefined;
    const [row] = (await this.dataSource.query(
      `SELECT a."role" FROM ${this.table('admin_sessions')} s
       JOIN ${this.table('workspace_admins')} a ON a."workspace_id" = s."workspace_id" AND a."account_id" = s."account_id"
       WHERE s."id" = $1 AND s."account_id" = $2 AND s."workspace_id" = $3 AND s."revoked_at" IS NULL AND s."expires_at" > now()`,
      [claims.sessionId, claims.accountId, claims.workspaceId],
    )) as Array<{ role: Role }>;
    if (!row) return undefined;
    return {
      kind: 'account',
      workspaceId: claims.workspaceId,
      scopes: new Set(ROLE_PERMISSIONS[row.role]),
      actor: `account:${claims.accountId}`,
      accountId: claims.accountId,
      role: row.role,
      sessionId: claims.sessionId,
      source: 'admin',
      rateLimitSubject: `account:${claims.accountId}`,
      rateLimit: DEFAULT_KEY_RATE_LIMIT,
    };
  }

  async listAdmins(workspaceId: string): Promise<AdminView[]> {
    const rows = (await this.dataSource.query(
      `SELECT a."account_id", c."email", a."role", a."created_at" FROM ${this.table('workspace_admins')} a
       JOIN ${this.table('admin_accounts')} c ON c."id" = a."account_id" WHERE a."workspace_id" = $1 ORDER BY a."created_at", c."email"`,
      [workspaceId],
    )) as Array<{ account_id: string; email: string; role: Role; created_at: Date }>;
    return rows.map((row) => ({ accountId: row.account_id, email: row.email, role: row.role, createdAt: row.created_at.toISOString() }));
  }

  /** Makes an account (created when new: a password is then needed) an admin of the workspace, or changes its role. */
  async addAdmin(caller: Principal, workspaceId: string, request: AddAdminDto): Promise<AdminView> {
    const email = request.email.trim().toLowerCase();
    return this.dataSource.transaction(async (manager) => {
      const [existing] = (await manager.query(`SELECT "id" FROM ${this.table('admin_accounts')} WHERE "email" = $1 FOR UPDATE`, [
        email,
      ])) as Array<{ id: string }>;
      let accountId = existing?.id;
      if (!accountId) {
        if (!request.password) throw new AppException(ErrorCodes.validationFailed, 'password is needed for a new account', 400);
        accountId = uuidv7();
        await manager.query(`INSERT INTO ${this.table('admin_accounts')} ("id", "email", "password_hash") VALUES ($1, $2, $3)`, [
          accountId,
          email,
          await hashPassword(request.password),
        ]);
      }
      const before = await this.roleIn(manager, workspaceId, accountId);
      if (before === 'owner' && request.role !== 'owner') await this.keepAnOwner(manager, workspaceId, accountId);
      const [row] = (await manager.query(
        `INSERT INTO ${this.table('workspace_admins')} ("workspace_id", "account_id", "role") VALUES ($1, $2, $3)
         ON CONFLICT ("workspace_id", "account_id") DO UPDATE SET "role" = EXCLUDED."role" RETURNING "created_at"`,
        [workspaceId, accountId, request.role],
      )) as Array<{ created_at: Date }>;
      const admin: AdminView = { accountId, email, role: request.role, createdAt: (row as { created_at: Date }).created_at.toISOString() };
      await this.audit.record(manager, caller, {
        workspaceId,
        action: before ? 'admin.role.change' : 'admin.add',
        target: `account:${accountId}`,
        before: before ? { email, role: before } : undefined,
        after: { email, role: request.role },
      });
      return admin;
    });
  }

  /** Removes an admin from the workspace and revokes its sessions there. The last owner stays. */
  async removeAdmin(caller: Principal, workspaceId: string, accountId: string): Promise<void> {
    await this.dataSource.transaction(async (manager) => {
      const role = await this.roleIn(manager, workspaceId, accountId, true);
      if (!role) throw new AppException(ErrorCodes.notFound, 'No such admin in this workspace', 404);
      if (role === 'owner') await this.keepAnOwner(manager, workspaceId, accountId);
      await manager.query(`DELETE FROM ${this.table('workspace_admins')} WHERE "workspace_id" = $1 AND "account_id" = $2`, [
        workspaceId,
        accountId,
      ]);
      await manager.query(
        `UPDATE ${this.table('admin_sessions')} SET "revoked_at" = now() WHERE "workspace_id" = $1 AND "account_id" = $2 AND "revoked_at" IS NULL`,
        [workspaceId, accountId],
      );
      await this.audit.record(manager, caller, { workspaceId, action: 'admin.remove', target: `account:${accountId}`, before: { role } });
    });
  }

  private async openSession(tokens: AccessTokens, accountId: string, workspaceId: string, role: Role): Promise<SignedIn> {
    const sessionId = uuidv7();
    const { token, hash } = newRefreshToken();
    await this.dataSource.query(
      `INSERT INTO ${this.table('admin_sessions')} ("id", "account_id", "workspace_id", "refresh_hash", "expires_at")
       VALUES ($1, $2, $3, $4, now() + make_interval(secs => $5))`,
      [sessionId, accountId, workspaceId, hash, this.env.REFRESH_TOKEN_TTL_SECONDS],
    );
    return {
      accessToken: await tokens.sign({ accountId, sessionId, workspaceId, role }),
      tokenType: 'Bearer',
      expiresIn: this.env.ACCESS_TOKEN_TTL_SECONDS,
      refreshToken: token,
      workspaceId,
      role,
    };
  }

  /** The account's role in `workspaceId`, or in its oldest workspace when none is named. */
  private async membership(accountId: string, workspaceId: string | undefined): Promise<{ workspace_id: string; role: Role } | undefined> {
    const [row] = (await this.dataSource.query(
      `SELECT "workspace_id", "role" FROM ${this.table('workspace_admins')}
       WHERE "account_id" = $1 AND ($2::text IS NULL OR "workspace_id" = $2) ORDER BY "created_at" LIMIT 1`,
      [accountId, workspaceId ?? null],
    )) as Array<{ workspace_id: string; role: Role }>;
    return row;
  }

  private async roleIn(manager: EntityManager, workspaceId: string, accountId: string, lock = false): Promise<Role | undefined> {
    const [row] = (await manager.query(
      `SELECT "role" FROM ${this.table('workspace_admins')} WHERE "workspace_id" = $1 AND "account_id" = $2 ${lock ? 'FOR UPDATE' : ''}`,
      [workspaceId, accountId],
    )) as Array<{ role: Role }>;
    return row?.role;
  }

  private async keepAnOwner(manager: EntityManager, workspaceId: string, leaving: string): Promise<void> {
    const owners = (await manager.query(
      `SELECT "account_id" FROM ${this.table('workspace_admins')} WHERE "workspace_id" = $1 AND "role" = 'owner' FOR UPDATE`,
      [workspaceId],
    )) as Array<{ account_id: string }>;
    if (owners.every((owner) => owner.account_id === leaving)) {
      throw new AppException(ErrorCodes.lastOwner, 'A workspace keeps at least one owner', 409);
    }
  }

  private requireTokens(): AccessTokens {
    if (!this.tokens) throw loginDisabled();
    return this.tokens;
  }

  private table(name: string): string {
    return qualifiedTable(this.dataSource, name);
  }
}
