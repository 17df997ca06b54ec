import { type Page, pageOf } from '@leadflow/contracts';
import { qualifiedTable } from '@leadflow/database';
import { currentRequestId } from '@leadflow/logging';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';
import { v7 as uuidv7 } from 'uuid';
import type { Principal } from './principal';

export interface AuditEntry {
  id: string;
  at: string;
  workspaceId: string;
  actor: string;
  action: string;
  target: string;
  before: unknown;
  after: unknown;
  requestId: string | null;
}

interface AuditRow {
  id: string;
  at: Date;
  workspace_id: string;
  actor: string;
  action: string;
  target: string;
  before: unknown;
  after: unknown;
  request_id: string | null;
}

/** Every admin write: who, in which workspace, what, the state before and after, and the request. */
@Injectable()
export class AuditLog {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /** Records a write; pass the write's transaction so that both commit or neither does. */
  async record(
    manager: EntityManager,
    caller: Principal,
    entry: { workspaceId?: string; action: string; target: string; before?: unknown; after?: unknown },
  ): Promise<void> {
    await manager.query(
      `INSERT INTO ${qualifiedTable(this.dataSource, 'audit_log')} ("id", "workspace_id", "actor", "action", "target", "before", "after", "request_id")
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
      [
        uuidv7(),
        entry.workspaceId ?? caller.workspaceId,
        caller.actor,
        entry.action,
        entry.target,
        entry.before === undefined ? null : JSON.stringify(entry.before),
        entry.after === undefined ? null : JSON.stringify(entry.after),
        currentRequestId() ?? null,
      ],
    );
  }

  async list(workspaceId: string, limit: number, after: string | undefined): Promise<Page<AuditEntry>> {
    const rows = (await this.dataSource.query(
      `SELECT * FROM ${qualifiedTable(this.dataSource, 'audit_log')}
       WHERE "workspace_id" = $1 AND ($2::uuid IS NULL OR "id" < $2) ORDER BY "id" DESC LIMIT $3`,
      [workspaceId, after ?? null, limit + 1],
    )) as AuditRow[];
    return pageOf(rows, limit, (row) => ({
      id: row.id,
      at: row.at.toISOString(),
      workspaceId: row.workspace_id,
      actor: row.actor,
      action: row.action,
      target: row.target,
      before: row.before,
      after: row.after,
      requestId: row.request_id,
    }));
  }
}
