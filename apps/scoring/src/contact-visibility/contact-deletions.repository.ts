import type { LeaderboardEntry, Stage } from '@leadflow/contracts';
import { qualifiedTable } from '@leadflow/database';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';

export interface DeletionState {
  workspaceId: string;
  contactId: string;
  deleted: boolean;
  version: number;
}

/** `contact_deletions` (which contacts are soft-deleted) and the leaderboard it filters. */
@Injectable()
export class ContactDeletionsRepository {
  private readonly deletions: string;
  private readonly scores: string;

  constructor(@InjectDataSource() dataSource: DataSource) {
    this.deletions = qualifiedTable(dataSource, 'contact_deletions');
    this.scores = qualifiedTable(dataSource, 'contact_scores');
  }

  /** Records these states with one statement; a state older (by version) than the one recorded is skipped. */
  async record(manager: EntityManager, states: DeletionState[]): Promise<void> {
    if (states.length === 0) return;
    await manager.query(
      `INSERT INTO ${this.deletions} AS d ("workspace_id", "contact_id", "deleted", "version")
       SELECT * FROM unnest($1::text[], $2::uuid[], $3::boolean[], $4::bigint[])
       ON CONFLICT ("workspace_id", "contact_id") DO UPDATE SET "deleted" = EXCLUDED."deleted", "version" = EXCLUDED."version", "changed_at" = now()
       WHERE d."version" < EXCLUDED."version"`,
      [states.map((s) => s.workspaceId), states.map((s) => s.contactId), states.map((s) => s.deleted), states.map((s) => s.version)],
    );
  }

  async isDeleted(manager: EntityManager, workspaceId: string, contactId: string): Promise<boolean> {
    const [row] = (await manager.query(`SELECT "deleted" FROM ${this.deletions} WHERE "workspace_id" = $1 AND "contact_id" = $2`, [
      workspaceId,
      contactId,
    ])) as Array<{ deleted: boolean }>;
    return row?.deleted ?? false;
  }

  /**
   * A page of the highest active scores of contacts that are not soft-deleted, by score descending
   * then contact id, optionally of one stage; `after` is the (score, contact id) of the last row of
   * the previous page. It walks `contact_scores_leaderboard_idx` (workspace, score desc, contact id).
   */
  async leaderboard(
    manager: EntityManager,
    workspaceId: string,
    query: { limit: number; stage?: Stage; after?: { score: number; contactId: string } },
  ): Promise<{ items: LeaderboardEntry[]; more: boolean }> {
    const params: unknown[] = [workspaceId, query.limit + 1];
    let where = '';
    if (query.stage) {
      params.push(query.stage);
      where += ` AND s."stage" = $${params.length}`;
    }
    if (query.after) {
      params.push(query.after.score, query.after.contactId);
      const score = `$${params.length - 1}::integer`;
      const id = `$${params.length}::uuid`;
      where += ` AND s."score" <= ${score} AND (s."score" < ${score} OR s."contact_id" > ${id})`;
    }
    const rows = (await manager.query(
      `SELECT s."contact_id", s."score", s."stage" FROM ${this.scores} s
       WHERE s."workspace_id" = $1 AND s."state" = 'active'${where}
         AND NOT EXISTS (SELECT 1 FROM ${this.deletions} d WHERE d."workspace_id" = s."workspace_id" AND d."contact_id" = s."contact_id" AND d."deleted")
       ORDER BY s."score" DESC, s."contact_id" LIMIT $2`,
      params,
    )) as Array<{ contact_id: string; score: number; stage: Stage }>;
    return {
      items: rows.slice(0, query.limit).map((row) => ({ contactId: row.contact_id, score: row.score, stage: row.stage })),
      more: rows.length > query.limit,
    };
  }
}
