import { type Page } from '@leadflow/contracts';
import { qualifiedTable, selectPage, SqlFilter } from '@leadflow/database';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';
import { v7 as uuidv7 } from 'uuid';
import { AuditEntryView } from './dto/audit-entry.dto';

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

export interface NewAuditEntry {
  workspaceId: string;
  actor: string;
  action: string;
  target: string;
  before?: unknown;
  after?: unknown;
  requestId: string | null;
}

/** The SQL of the audit log: rows written inside the audited write's transaction, read a page at a time. */
@Injectable()
export class AuditLogRepository {
  private readonly table: string;

  constructor(@InjectDataSource() private readonly dataSource: DataSource) {
    this.table = qualifiedTable(dataSource, 'audit_log');
  }

  async insert(manager: EntityManager, entry: NewAuditEntry): Promise<void> {
    await manager.query(
      `INSERT INTO ${this.table} ("id", "workspace_id", "actor", "action", "target", "before", "after", "request_id")
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
      [
        uuidv7(),
        entry.workspaceId,
        entry.actor,
        entry.action,
        entry.target,
        entry.before === undefined ? null : JSON.stringify(entry.before),
        entry.after === undefined ? null : JSON.stringify(entry.after),
        entry.requestId,
      ],
    );
  }

  /**
   * Redacts the entries about these targets (`contact:<id>`, `lead:<id>`) and those whose states name
   * one of these contacts (`contactId`: an opportunity's writes, a lead's conversion): their before
   * and after states, which hold a person's data, become `{"redacted": "<marker>"}`; who, what, when
   * and the request stay. Returns how many entries were redacted now.
   */
  async redactTargets(
    manager: EntityManager,
    workspaceId: string,
    targets: readonly string[],
    contactIds: readonly string[],
    marker: string,
  ): Promise<number> {
    const [, count] = (await manager.query(
      `UPDATE ${this.table} SET
         "before" = CASE WHEN "before" IS NULL THEN NULL ELSE jsonb_build_object('redacted', $3::text) END,
         "after" = CASE WHEN "after" IS NULL THEN NULL ELSE jsonb_build_object('redacted', $3::text) END
       WHERE "workspace_id" = $1
         AND ("target" = ANY($2::text[]) OR "before"->>'contactId' = ANY($4::text[]) OR "after"->>'contactId' = ANY($4::text[]))
         AND NOT (("before" IS NULL OR "before" ? 'redacted') AND ("after" IS NULL OR "after" ? 'redacted'))`,
      [workspaceId, targets, marker, contactIds],
    )) as [unknown, number];
    return count;
  }

  /** Every entry about these targets, oldest first (a person's export). */
  async aboutTargets(workspaceId: string, targets: readonly string[]): Promise<AuditEntryView[]> {
    const rows = (await this.dataSource.query(
      `SELECT * FROM ${this.table} WHERE "workspace_id" = $1 AND "target" = ANY($2::text[]) ORDER BY "id"`,
      [workspaceId, targets],
    )) as AuditRow[];
    return rows.map(viewOf);
  }

  /** Newest first. */
  list(workspaceId: string, limit: number, afterId: string | undefined): Promise<Page<AuditEntryView>> {
    return selectPage<AuditRow, AuditEntryView>(
      this.dataSource,
      { select: '*', from: this.table, filter: new SqlFilter().where('"workspace_id" = ?', workspaceId), idColumn: '"id"', afterId, limit },
      viewOf,
    );
  }
}

function viewOf(row: AuditRow): AuditEntryView {
  return {
    id: row.id,
    at: row.at.toISOString(),
    workspaceId: row.workspace_id,
    actor: row.actor,
    action: row.action,
    target: row.target,
    before: row.before,
    after: row.after,
    requestId: row.request_id,
  };
}
