import { AppException, ErrorCodes } from '@leadflow/contracts';
import { Inject, Injectable } from '@nestjs/common';
import { v7 as uuidv7 } from 'uuid';
import { GatewayEnv } from '../config/env';
import { hashApiKey } from './api-key';
import { AccessTokens, newRefreshToken, passwordMatches, UNKNOWN_ACCOUNT_HASH } from './credentials-crypto';
import { CredentialsRepository } from './credentials.repository';
import type { SignedIn } from './dto/sign-in.dto';
import type { Principal } from './principal';
import { DEFAULT_KEY_RATE_LIMIT } from './rate-limits';
import { ROLE_PERMISSIONS, type Role } from './roles';

const invalidCredentials = () => new AppException(ErrorCodes.unauthorized, 'The email or the password is wrong');
const notAnAdmin = () => new AppException(ErrorCodes.forbidden, 'This account is not an admin of that workspace');
const loginDisabled = () =>
  new AppException(ErrorCodes.loginDisabled, 'Admin sign-in is not configured on this gateway (AUTH_TOKEN_SECRET)');

/**
 * Admin sessions: sign-in with email and password into one workspace, short-lived access tokens
 * backed by a session that sign-out revokes at once, and rotating refresh tokens (a refresh token
 * used twice is refused).
 */
@Injectable()
export class AdminSessionsService {
  private readonly tokens: AccessTokens | undefined;

  constructor(
    private readonly credentials: CredentialsRepository,
    @Inject(GatewayEnv) private readonly env: GatewayEnv,
  ) {
    this.tokens = env.AUTH_TOKEN_SECRET ? new AccessTokens(env.AUTH_TOKEN_SECRET, env.ACCESS_TOKEN_TTL_SECONDS) : undefined;
  }

  /**
   * Checks the password and opens a session in `workspaceId` (or the account's first workspace).
   * Throws 401 for a wrong email or password, taking as long for both.
   */
  async signIn(email: string, password: string, workspaceId: string | undefined): Promise<SignedIn> {
    const tokens = this.requireTokens();
    const account = await this.credentials.accountByEmail(email.trim().toLowerCase());
    const matches = await passwordMatches(account?.password_hash ?? (await UNKNOWN_ACCOUNT_HASH), password);
    if (!account || !matches) throw invalidCredentials();
    const membership = await this.credentials.membership(account.id, workspaceId);
    if (!membership) throw notAnAdmin();
    const sessionId = uuidv7();
    const { token, hash } = newRefreshToken();
    await this.credentials.openSession({
      id: sessionId,
      accountId: account.id,
      workspaceId: membership.workspace_id,
      refreshHash: hash,
      ttlSeconds: this.env.REFRESH_TOKEN_TTL_SECONDS,
    });
    return this.signedIn(tokens, account.id, sessionId, membership.workspace_id, membership.role, token);
  }

  /** Exchanges a refresh token for new tokens (the old refresh token stops working). */
  async refresh(refreshToken: string, workspaceId: string | undefined): Promise<SignedIn> {
    const tokens = this.requireTokens();
    const presentedHash = hashApiKey(refreshToken);
    const session = await this.credentials.sessionByRefreshHash(presentedHash);
    if (!session || session.revoked_at || session.expires_at.getTime() <= Date.now()) {
      throw new AppException(ErrorCodes.unauthorized, 'The refresh token is not valid, expired, or was revoked');
    }
    const membership = await this.credentials.membership(session.account_id, workspaceId ?? session.workspace_id);
    if (!membership) throw notAnAdmin();
    const { token, hash } = newRefreshToken();
    const rotated = await this.credentials.rotateSession(
      session.id,
      presentedHash,
      hash,
      membership.workspace_id,
      this.env.REFRESH_TOKEN_TTL_SECONDS,
    );
    if (!rotated) throw new AppException(ErrorCodes.unauthorized, 'The refresh token was already used');
    return this.signedIn(tokens, session.account_id, session.id, membership.workspace_id, membership.role, token);
  }

  /** Revokes the caller's session: its access and refresh tokens stop working at once. */
  async signOut(caller: Principal): Promise<void> {
    if (caller.sessionId) await this.credentials.revokeSession(caller.sessionId);
  }

  /**
   * The principal of a valid access token whose session is live and whose account is still an admin
   * of the workspace (with its current role). Checked on every request, so that sign-out and removal
   * take effect at once.
   */
  async authenticate(token: string): Promise<Principal | undefined> {
    const claims = await this.tokens?.verify(token);
    if (!claims) return undefined;
    const role = await this.credentials.liveSessionRole(claims.sessionId, claims.accountId, claims.workspaceId);
    if (!role) return undefined;
    return {
      kind: 'account',
      workspaceId: claims.workspaceId,
      scopes: new Set(ROLE_PERMISSIONS[role]),
      actor: `account:${claims.accountId}`,
      accountId: claims.accountId,
      role,
      sessionId: claims.sessionId,
      source: 'admin',
      rateLimitSubject: `account:${claims.accountId}`,
      rateLimit: DEFAULT_KEY_RATE_LIMIT,
    };
  }

  private async signedIn(
    tokens: AccessTokens,
    accountId: string,
    sessionId: string,
    workspaceId: string,
    role: Role,
    refreshToken: string,
  ): Promise<SignedIn> {
    return {
      accessToken: await tokens.sign({ accountId, sessionId, workspaceId, role }),
      tokenType: 'Bearer',
      expiresIn: this.env.ACCESS_TOKEN_TTL_SECONDS,
      refreshToken,
      workspaceId,
      role,
    };
  }

  private requireTokens(): AccessTokens {
    if (!this.tokens) throw loginDisabled();
    return this.tokens;
  }
}
