import type { Page, SuppressionKind, SuppressionReason, SuppressionView } from '@leadflow/contracts';
import { qualifiedTable, queryPrepared, selectPage, SqlFilter } from '@leadflow/database';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';
import { v7 as uuidv7 } from 'uuid';

interface SuppressionRow {
  id: string;
  kind: SuppressionKind;
  hash: string;
  reason: SuppressionReason;
  erasure_id: string | null;
  created_by: string;
  created_at: Date;
}

function viewOf(row: SuppressionRow): SuppressionView {
  return {
    id: row.id,
    kind: row.kind,
    hash: row.hash,
    reason: row.reason,
    erasureId: row.erasure_id,
    createdBy: row.created_by,
    createdAt: row.created_at.toISOString(),
  };
}

export interface NewSuppression {
  kind: SuppressionKind;
  hash: string;
  reason: SuppressionReason;
  erasureId: string | null;
  createdBy: string;
}

/** All SQL of the workspace suppression lists: identity hashes whose leads are stored redacted and reach no contact. */
@Injectable()
export class SuppressionRepository {
  private readonly table: string;

  constructor(@InjectDataSource() private readonly dataSource: DataSource) {
    this.table = qualifiedTable(dataSource, 'suppressions');
  }

  /** Which of these (workspace, hash) pairs are suppressed, as `workspace\0hash` keys; one statement. */
  async suppressedAmong(pairs: ReadonlyArray<{ workspaceId: string; hash: string }>): Promise<Set<string>> {
    if (pairs.length === 0) return new Set();
    // Prepared: intake asks once per group of leads.
    const rows = await queryPrepared<{ workspace_id: string; hash: string }>(
      this.dataSource.manager,
      `SELECT s."workspace_id", s."hash" FROM ${this.table} s
       JOIN unnest($1::text[], $2::text[]) AS p("workspace_id", "hash") ON s."workspace_id" = p."workspace_id" AND s."hash" = p."hash"`,
      [pairs.map((p) => p.workspaceId), pairs.map((p) => p.hash)],
    );
    return new Set(rows.map((row) => suppressionKey(row.workspace_id, row.hash)));
  }

  /** Adds suppressions (those present stay as they are); returns the rows now held for these hashes. */
  async add(
    manager: EntityManager,
    workspaceId: string,
    entries: readonly NewSuppression[],
  ): Promise<Array<SuppressionView & { created: boolean }>> {
    if (entries.length === 0) return [];
    const rows = (await manager.query(
      `WITH "input" AS (
         SELECT * FROM unnest($2::uuid[], $3::text[], $4::text[], $5::text[], $6::uuid[], $7::text[])
           AS i("id", "kind", "hash", "reason", "erasure_id", "created_by")
       ), "inserted" AS (
         INSERT INTO ${this.table} ("id", "workspace_id", "kind", "hash", "reason", "erasure_id", "created_by")
         SELECT "id", $1, "kind", "hash", "reason", "erasure_id", "created_by" FROM "input"
         ON CONFLICT ON CONSTRAINT "suppressions_one_per_hash" DO NOTHING
         RETURNING *
       )
       SELECT *, true AS "created" FROM "inserted"
       UNION ALL
       SELECT s.*, false FROM ${this.table} s JOIN "input" i ON s."workspace_id" = $1 AND s."hash" = i."hash"
       WHERE NOT EXISTS (SELECT 1 FROM "inserted" n WHERE n."hash" = s."hash")`,
      [
        workspaceId,
        entries.map(() => uuidv7()),
        entries.map((e) => e.kind),
        entries.map((e) => e.hash),
        entries.map((e) => e.reason),
        entries.map((e) => e.erasureId),
        entries.map((e) => e.createdBy),
      ],
    )) as Array<SuppressionRow & { created: boolean }>;
    return rows.map((row) => ({ ...viewOf(row), created: row.created }));
  }

  list(workspaceId: string, page: { cursor?: string; limit: number }): Promise<Page<SuppressionView>> {
    return selectPage<SuppressionRow & { workspace_id: string }, SuppressionView>(
      this.dataSource,
      {
        select: '*',
        from: this.table,
        filter: new SqlFilter().where('"workspace_id" = ?', workspaceId),
        idColumn: '"id"',
        afterId: page.cursor,
        limit: page.limit,
      },
      viewOf,
    );
  }

  /** Removes one suppression of the workspace; returns what it held, or undefined when there was none. */
  async remove(workspaceId: string, id: string): Promise<SuppressionView | undefined> {
    const [rows] = (await this.dataSource.query(`DELETE FROM ${this.table} WHERE "workspace_id" = $1 AND "id" = $2 RETURNING *`, [
      workspaceId,
      id,
    ])) as [SuppressionRow[], number];
    const [row] = rows;
    return row ? viewOf(row) : undefined;
  }
}

export function suppressionKey(workspaceId: string, hash: string): string {
  return `${workspaceId}\u0000${hash}`;
}
