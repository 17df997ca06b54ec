import { type Page } from '@leadflow/contracts';
import { qualifiedTable, selectPage, SqlFilter } from '@leadflow/database';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';
import type { Scope } from '../auth/api-key';

export interface ApiKeyRow {
  id: string;
  workspace_id: string;
  name: string;
  prefix: string;
  scopes: Scope[];
  rate_limit_per_second: number | null;
  rate_limit_burst: number | null;
  allowed_origins: string[] | null;
  created_at: Date;
  last_used_at: Date | null;
  revoked_at: Date | null;
}

export interface NewApiKey {
  id: string;
  name: string;
  prefix: string;
  hash: string;
  scopes: Scope[];
  perSecond: number | null;
  burst: number | null;
  /** A browser key's origins (it then has the `events` scope only). */
  allowedOrigins?: string[] | null;
  /** Set on the keys the gateway keeps from its environment (`admin`, `intake`). */
  bootstrap?: 'admin' | 'intake';
}

/** The columns of a key that are ever shown: never its hash. */
const KEY_COLUMNS = `"id", "workspace_id", "name", "prefix", "scopes", "rate_limit_per_second", "rate_limit_burst", "allowed_origins", "created_at", "last_used_at", "revoked_at"`;

/** The SQL of a workspace's API keys. Every statement is scoped by the workspace it is given. */
@Injectable()
export class ApiKeysRepository {
  private readonly table: string;

  constructor(@InjectDataSource() private readonly dataSource: DataSource) {
    this.table = qualifiedTable(dataSource, 'api_keys');
  }

  /** Throws PostgreSQL's unique violation (23505) when a live key of the workspace has the name. */
  async insert(manager: EntityManager, workspaceId: string, key: NewApiKey): Promise<ApiKeyRow> {
    const [row] = (await manager.query(
      `INSERT INTO ${this.table} ("id", "workspace_id", "name", "prefix", "key_hash", "scopes", "rate_limit_per_second", "rate_limit_burst", "bootstrap", "allowed_origins")
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING ${KEY_COLUMNS}`,
      [
        key.id,
        workspaceId,
        key.name,
        key.prefix,
        key.hash,
        key.scopes,
        key.perSecond,
        key.burst,
        key.bootstrap ?? null,
        key.allowedOrigins ?? null,
      ],
    )) as ApiKeyRow[];
    return row as ApiKeyRow;
  }

  /** Newest first. */
  list<T>(workspaceId: string, limit: number, afterId: string | undefined, view: (row: ApiKeyRow) => T): Promise<Page<T>> {
    const filter = new SqlFilter().where('"workspace_id" = ?', workspaceId);
    return selectPage<ApiKeyRow, T>(
      this.dataSource,
      { select: KEY_COLUMNS, from: this.table, filter, idColumn: '"id"', afterId, limit },
      view,
    );
  }

  async lock(manager: EntityManager, workspaceId: string, keyId: string): Promise<ApiKeyRow | undefined> {
    const [row] = (await manager.query(`SELECT ${KEY_COLUMNS} FROM ${this.table} WHERE "id" = $1 AND "workspace_id" = $2 FOR UPDATE`, [
      keyId,
      workspaceId,
    ])) as ApiKeyRow[];
    return row;
  }

  async revoke(manager: EntityManager, workspaceId: string, keyId: string): Promise<ApiKeyRow> {
    const [rows] = (await manager.query(
      `UPDATE ${this.table} SET "revoked_at" = coalesce("revoked_at", now()) WHERE "id" = $1 AND "workspace_id" = $2 RETURNING ${KEY_COLUMNS}`,
      [keyId, workspaceId],
    )) as [ApiKeyRow[], number];
    return rows[0] as ApiKeyRow;
  }

  /** The key kept for this bootstrap role, if any (possibly revoked). */
  async bootstrapKey(
    manager: EntityManager,
    workspaceId: string,
    role: 'admin' | 'intake',
  ): Promise<{ id: string; key_hash: string; revoked_at: Date | null } | undefined> {
    const [row] = (await manager.query(
      `SELECT "id", "key_hash", "revoked_at" FROM ${this.table} WHERE "workspace_id" = $1 AND "bootstrap" = $2`,
      [workspaceId, role],
    )) as Array<{ id: string; key_hash: string; revoked_at: Date | null }>;
    return row;
  }

  /** Any key, in any workspace, with this hash: a key is never issued twice. */
  async idOfHash(manager: EntityManager, hash: string): Promise<string | undefined> {
    const [row] = (await manager.query(`SELECT "id" FROM ${this.table} WHERE "key_hash" = $1`, [hash])) as Array<{ id: string }>;
    return row?.id;
  }

  async setRateLimit(manager: EntityManager, workspaceId: string, keyId: string, perSecond: number, burst: number): Promise<void> {
    await manager.query(
      `UPDATE ${this.table} SET "rate_limit_per_second" = $3, "rate_limit_burst" = $4 WHERE "id" = $1 AND "workspace_id" = $2`,
      [keyId, workspaceId, perSecond, burst],
    );
  }

  /** The key stops being the bootstrap one and stops working. */
  async retireBootstrapKey(manager: EntityManager, workspaceId: string, keyId: string): Promise<void> {
    await manager.query(
      `UPDATE ${this.table} SET "bootstrap" = NULL, "revoked_at" = coalesce("revoked_at", now()) WHERE "id" = $1 AND "workspace_id" = $2`,
      [keyId, workspaceId],
    );
  }
}
