import { DEFAULT_WORKSPACE_ID } from '@leadflow/contracts';
import { APP_LOGGER } from '@leadflow/logging';
import { Inject, Injectable } from '@nestjs/common';
import type { Logger } from 'pino';
import { ShortMemo } from '../http/short-memo';
import { hashApiKey, isScope, type Scope } from './api-key';
import { CredentialsRepository } from './credentials.repository';
import type { Principal } from './principal';
import { DEFAULT_KEY_RATE_LIMIT, storedKeyRateLimit } from './rate-limits';

/**
 * How long an answer about a key or a workspace setting is reused. It bounds how long a revoked key
 * still works on a replica that saw it just before: revocation reaches every replica within this.
 */
export const CREDENTIAL_CACHE_MS = 500;
/** last_used_at is written at most this often per key, so that intake does not write per request. */
const LAST_USED_WRITE_INTERVAL_MS = 60_000;
const MAX_CACHED = 10_000;

/** Turns presented API keys into principals, and answers the workspace settings intake needs. */
@Injectable()
export class CredentialStore {
  private readonly keys = new ShortMemo<Principal | undefined>(CREDENTIAL_CACHE_MS);
  private readonly legacyIntake = new ShortMemo<boolean>(CREDENTIAL_CACHE_MS);
  private readonly lastUsedWritten = new Map<string, number>();

  constructor(
    private readonly repository: CredentialsRepository,
    @Inject(APP_LOGGER) private readonly logger: Logger,
  ) {}

  /** The principal of a live key, or undefined for an unknown or revoked one. */
  async authenticate(key: string): Promise<Principal | undefined> {
    const hash = hashApiKey(key);
    const principal = await this.keys.get(hash, () => this.loadKey(hash));
    if (principal?.keyId) this.touch(principal.keyId);
    return principal;
  }

  /** Whether the default workspace lets `POST /api/lead` in without a key. */
  legacyIntakeOpen(): Promise<boolean> {
    return this.legacyIntake.get(DEFAULT_WORKSPACE_ID, () => this.repository.legacyIntakeOpen(DEFAULT_WORKSPACE_ID));
  }

  private async loadKey(hash: string): Promise<Principal | undefined> {
    const row = await this.repository.liveKeyByHash(hash);
    if (!row) return undefined;
    return {
      kind: 'key',
      workspaceId: row.workspace_id,
      scopes: new Set(row.scopes.filter((scope): scope is Scope => isScope(scope))),
      actor: `key:${row.id}`,
      keyId: row.id,
      source: row.name,
      rateLimitSubject: `key:${row.id}`,
      rateLimit: storedKeyRateLimit(row.rate_limit_per_second, row.rate_limit_burst) ?? DEFAULT_KEY_RATE_LIMIT,
      ...(row.allowed_origins ? { allowedOrigins: row.allowed_origins } : {}),
    };
  }

  private touch(keyId: string): void {
    const now = Date.now();
    if (now - (this.lastUsedWritten.get(keyId) ?? 0) < LAST_USED_WRITE_INTERVAL_MS) return;
    if (this.lastUsedWritten.size >= MAX_CACHED) this.lastUsedWritten.clear();
    this.lastUsedWritten.set(keyId, now);
    this.repository
      .recordKeyUse(keyId)
      .catch((error: unknown) => this.logger.warn({ err: error, keyId }, 'could not record when a key was last used'));
  }
}
