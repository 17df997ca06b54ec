import { AppException, DEFAULT_WORKSPACE_ID, ErrorCodes, type Page, pageOf } from '@leadflow/contracts';
import { qualifiedTable } from '@leadflow/database';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { v7 as uuidv7 } from 'uuid';
import { generateApiKey, type Scope } from './api-key';
import type { CreateApiKeyDto, UpdateWorkspaceDto } from './dto';
import { AuditLog } from './audit-log';
import type { Principal } from './principal';

export interface WorkspaceView {
  id: string;
  name: string;
  legacyIntakeOpen: boolean;
  createdAt: string;
}

export interface ApiKeyView {
  id: string;
  name: string;
  /** The first characters of the key, to recognise it. */
  prefix: string;
  scopes: Scope[];
  rateLimit: { perSecond: number; burst: number } | null;
  createdAt: string;
  lastUsedAt: string | null;
  revokedAt: string | null;
}

/** A created key: the only time the key itself is shown. */
export interface CreatedApiKey extends ApiKeyView {
  key: string;
}

interface WorkspaceRow {
  id: string;
  name: string;
  legacy_intake_open: boolean;
  created_at: Date;
}

interface ApiKeyRow {
  id: string;
  name: string;
  prefix: string;
  scopes: Scope[];
  rate_limit_per_second: number | null;
  rate_limit_burst: number | null;
  created_at: Date;
  last_used_at: Date | null;
  revoked_at: Date | null;
}

const KEY_COLUMNS = `"id", "name", "prefix", "scopes", "rate_limit_per_second", "rate_limit_burst", "created_at", "last_used_at", "revoked_at"`;

const notFound = () => new AppException(ErrorCodes.notFound, 'No such workspace', 404);

/**
 * Workspaces and their API keys, as the management API sees them. A caller sees only its own
 * workspace: another one's id answers 404, as an unknown id does.
 */
@Injectable()
export class WorkspaceDirectory {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly audit: AuditLog,
  ) {}

  /** A key's workspace; every workspace an account administers. */
  async list(caller: Principal): Promise<Page<WorkspaceView>> {
    if (caller.kind !== 'account') return { items: [await this.get(caller, caller.workspaceId)], nextCursor: null };
    const rows = (await this.dataSource.query(
      `SELECT w.* FROM ${this.table('workspaces')} w JOIN ${this.table('workspace_admins')} a ON a."workspace_id" = w."id"
       WHERE a."account_id" = $1 ORDER BY a."created_at"`,
      [caller.accountId],
    )) as WorkspaceRow[];
    return { items: rows.map(workspaceView), nextCursor: null };
  }

  /** A new workspace, owned by the account that creates it. */
  async create(caller: Principal, name: string): Promise<WorkspaceView> {
    return this.dataSource.transaction(async (manager) => {
      const [row] = (await manager.query(`INSERT INTO ${this.table('workspaces')} ("id", "name") VALUES ($1, $2) RETURNING *`, [
        uuidv7(),
        name,
      ])) as WorkspaceRow[];
      const workspace = workspaceView(row as WorkspaceRow);
      await manager.query(`INSERT INTO ${this.table('workspace_admins')} ("workspace_id", "account_id", "role") VALUES ($1, $2, 'owner')`, [
        workspace.id,
        caller.accountId,
      ]);
      await this.audit.record(manager, caller, {
        workspaceId: workspace.id,
        action: 'workspace.create',
        target: `workspace:${workspace.id}`,
        after: workspace,
      });
      return workspace;
    });
  }

  async get(caller: Principal, id: string): Promise<WorkspaceView> {
    this.own(caller, id);
    const [row] = (await this.dataSource.query(`SELECT * FROM ${this.table('workspaces')} WHERE "id" = $1`, [id])) as WorkspaceRow[];
    if (!row) throw notFound();
    return workspaceView(row);
  }

  async update(caller: Principal, id: string, change: UpdateWorkspaceDto): Promise<WorkspaceView> {
    this.own(caller, id);
    if (change.legacyIntakeOpen !== undefined && id !== DEFAULT_WORKSPACE_ID) {
      throw new AppException(ErrorCodes.validationFailed, 'Only the default workspace can take keyless legacy leads', 400);
    }
    return this.dataSource.transaction(async (manager) => {
      const [current] = (await manager.query(`SELECT * FROM ${this.table('workspaces')} WHERE "id" = $1 FOR UPDATE`, [
        id,
      ])) as WorkspaceRow[];
      if (!current) throw notFound();
      const [rows] = (await manager.query(
        `UPDATE ${this.table('workspaces')} SET "name" = coalesce($2, "name"), "legacy_intake_open" = coalesce($3, "legacy_intake_open")
         WHERE "id" = $1 RETURNING *`,
        [id, change.name ?? null, change.legacyIntakeOpen ?? null],
      )) as [WorkspaceRow[], number];
      const updated = workspaceView(rows[0] as WorkspaceRow);
      await this.audit.record(manager, caller, {
        action: 'workspace.update',
        target: `workspace:${id}`,
        before: workspaceView(current),
        after: updated,
      });
      return updated;
    });
  }

  async createKey(caller: Principal, workspaceId: string, request: CreateApiKeyDto): Promise<CreatedApiKey> {
    await this.get(caller, workspaceId);
    const perSecond = request.rateLimitPerSecond ?? null;
    const burst = request.rateLimitBurst ?? (perSecond === null ? null : perSecond * 2);
    if (request.rateLimitBurst !== undefined && perSecond === null) {
      throw new AppException(ErrorCodes.validationFailed, 'rateLimitBurst needs rateLimitPerSecond', 400);
    }
    if (burst !== null && perSecond !== null && burst < perSecond) {
      throw new AppException(ErrorCodes.validationFailed, 'rateLimitBurst must be at least rateLimitPerSecond', 400);
    }
    const { key, prefix, hash } = generateApiKey(request.environment);
    try {
      return await this.dataSource.transaction(async (manager) => {
        const [row] = (await manager.query(
          `INSERT INTO ${this.table('api_keys')} ("id", "workspace_id", "name", "prefix", "key_hash", "scopes", "rate_limit_per_second", "rate_limit_burst")
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING ${KEY_COLUMNS}`,
          [uuidv7(), workspaceId, request.name, prefix, hash, request.scopes, perSecond, burst],
        )) as ApiKeyRow[];
        const view = apiKeyView(row as ApiKeyRow);
        await this.audit.record(manager, caller, { action: 'api_key.create', target: `api_key:${view.id}`, after: view });
        return { ...view, key };
      });
    } catch (error) {
      if ((error as { code?: string }).code === '23505') {
        throw new AppException(ErrorCodes.nameTaken, `A live key named "${request.name}" already exists in this workspace`, 409);
      }
      throw error;
    }
  }

  async listKeys(caller: Principal, workspaceId: string, limit: number, after: string | undefined): Promise<Page<ApiKeyView>> {
    await this.get(caller, workspaceId);
    const rows = (await this.dataSource.query(
      `SELECT ${KEY_COLUMNS} FROM ${this.table('api_keys')}
       WHERE "workspace_id" = $1 AND ($2::uuid IS NULL OR "id" < $2) ORDER BY "id" DESC LIMIT $3`,
      [workspaceId, after ?? null, limit + 1],
    )) as ApiKeyRow[];
    return pageOf(rows, limit, apiKeyView);
  }

  /** Revokes a key at once; every replica stops accepting it within the credential cache's lifetime. */
  async revokeKey(caller: Principal, workspaceId: string, keyId: string): Promise<void> {
    this.own(caller, workspaceId);
    await this.dataSource.transaction(async (manager) => {
      const [current] = (await manager.query(
        `SELECT ${KEY_COLUMNS} FROM ${this.table('api_keys')} WHERE "id" = $1 AND "workspace_id" = $2 FOR UPDATE`,
        [keyId, workspaceId],
      )) as ApiKeyRow[];
      if (!current) throw new AppException(ErrorCodes.notFound, 'No such API key', 404);
      if (current.revoked_at) return;
      const [rows] = (await manager.query(
        `UPDATE ${this.table('api_keys')} SET "revoked_at" = now() WHERE "id" = $1 RETURNING ${KEY_COLUMNS}`,
        [keyId],
      )) as [ApiKeyRow[], number];
      await this.audit.record(manager, caller, {
        action: 'api_key.revoke',
        target: `api_key:${keyId}`,
        before: apiKeyView(current),
        after: apiKeyView(rows[0] as ApiKeyRow),
      });
    });
  }

  /** Another workspace than the caller's is answered as unknown. */
  own(caller: Principal, workspaceId: string): void {
    if (caller.workspaceId !== workspaceId) throw notFound();
  }

  private table(name: string): string {
    return qualifiedTable(this.dataSource, name);
  }
}

function workspaceView(row: WorkspaceRow): WorkspaceView {
  return { id: row.id, name: row.name, legacyIntakeOpen: row.legacy_intake_open, createdAt: row.created_at.toISOString() };
}

function apiKeyView(row: ApiKeyRow): ApiKeyView {
  return {
    id: row.id,
    name: row.name,
    prefix: row.prefix,
    scopes: row.scopes,
    rateLimit:
      row.rate_limit_per_second === null
        ? null
        : { perSecond: row.rate_limit_per_second, burst: row.rate_limit_burst ?? row.rate_limit_per_second },
    createdAt: row.created_at.toISOString(),
    lastUsedAt: row.last_used_at?.toISOString() ?? null,
    revokedAt: row.revoked_at?.toISOString() ?? null,
  };
}
