import { qualifiedTable } from '@leadflow/database';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';

/** The hashes of erased identities, as identity resolution reads them (one statement per batch). */
@Injectable()
export class ErasedIdentitiesRepository {
  private readonly table: string;

  constructor(@InjectDataSource() dataSource: DataSource) {
    this.table = qualifiedTable(dataSource, 'erased_identities');
  }

  /** Which of these (workspace, hash) pairs were erased, as `workspace\0hash` keys. */
  async erasedAmong(manager: EntityManager, pairs: ReadonlyArray<{ workspaceId: string; hash: string }>): Promise<Set<string>> {
    if (pairs.length === 0) return new Set();
    const rows = (await manager.query(
      `SELECT e."workspace_id", e."hash" FROM ${this.table} e
       JOIN unnest($1::text[], $2::text[]) AS p("workspace_id", "hash") ON e."workspace_id" = p."workspace_id" AND e."hash" = p."hash"`,
      [pairs.map((p) => p.workspaceId), pairs.map((p) => p.hash)],
    )) as Array<{ workspace_id: string; hash: string }>;
    return new Set(rows.map((row) => `${row.workspace_id}\u0000${row.hash}`));
  }
}
