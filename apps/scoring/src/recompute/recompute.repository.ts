import type { RecomputeView, Stage } from '@leadflow/contracts';
import { qualifiedTable } from '@leadflow/database';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';

export interface RecomputeFilter {
  stage?: Stage;
  contactIds?: string[];
}

export interface RecomputeRun extends RecomputeView {
  workspaceId: string;
  filter: RecomputeFilter;
  draft: unknown;
  afterContactId: string | null;
}

interface RunRow {
  id: string;
  workspace_id: string;
  status: RecomputeView['status'];
  dry_run: boolean;
  filter: RecomputeFilter;
  draft: unknown;
  total: number;
  done: number;
  stage_changes: number;
  after_contact_id: string | null;
}

function toRun(row: RunRow): RecomputeRun {
  return {
    id: row.id,
    workspaceId: row.workspace_id,
    status: row.status,
    dryRun: row.dry_run,
    filter: row.filter,
    draft: row.draft,
    total: row.total,
    done: row.done,
    stageChanges: row.stage_changes,
    afterContactId: row.after_contact_id,
  };
}

/** `recompute_runs`, the contacts a run walks (active scores, in contact id order) and those decay rescores. */
@Injectable()
export class RecomputeRepository {
  private readonly runs: string;
  private readonly scores: string;
  private readonly history: string;
  private readonly rules: string;

  constructor(@InjectDataSource() dataSource: DataSource) {
    this.runs = qualifiedTable(dataSource, 'recompute_runs');
    this.scores = qualifiedTable(dataSource, 'contact_scores');
    this.history = qualifiedTable(dataSource, 'score_history');
    this.rules = qualifiedTable(dataSource, 'workspace_rules');
  }

  private filterSql(filter: RecomputeFilter, first: number): { sql: string; params: unknown[] } {
    const parts: string[] = [];
    const params: unknown[] = [];
    if (filter.stage) {
      params.push(filter.stage);
      parts.push(`AND "stage" = $${first + params.length - 1}`);
    }
    if (filter.contactIds) {
      params.push(filter.contactIds);
      parts.push(`AND "contact_id" = ANY($${first + params.length - 1}::uuid[])`);
    }
    return { sql: parts.join(' '), params };
  }

  async count(manager: EntityManager, workspaceId: string, filter: RecomputeFilter): Promise<number> {
    const f = this.filterSql(filter, 2);
    const [row] = (await manager.query(
      `SELECT count(*)::int AS "n" FROM ${this.scores} WHERE "workspace_id" = $1 AND "state" = 'active' ${f.sql}`,
      [workspaceId, ...f.params],
    )) as Array<{ n: number }>;
    return row?.n ?? 0;
  }

  /** The next contacts of a run after `afterContactId`, in id order. */
  async nextContacts(
    manager: EntityManager,
    workspaceId: string,
    filter: RecomputeFilter,
    afterContactId: string | null,
    limit: number,
  ): Promise<string[]> {
    const f = this.filterSql(filter, 4);
    const rows = (await manager.query(
      `SELECT "contact_id" FROM ${this.scores}
       WHERE "workspace_id" = $1 AND "state" = 'active' AND ($2::uuid IS NULL OR "contact_id" > $2::uuid) ${f.sql}
       ORDER BY "contact_id" LIMIT $3`,
      [workspaceId, afterContactId, limit, ...f.params],
    )) as Array<{ contact_id: string }>;
    return rows.map((r) => r.contact_id);
  }

  async insert(
    manager: EntityManager,
    run: { id: string; workspaceId: string; dryRun: boolean; filter: RecomputeFilter; draft: unknown; total: number },
  ): Promise<void> {
    await manager.query(
      `INSERT INTO ${this.runs} ("id", "workspace_id", "dry_run", "filter", "draft", "total") VALUES ($1, $2, $3, $4::jsonb, $5::jsonb, $6)`,
      [
        run.id,
        run.workspaceId,
        run.dryRun,
        JSON.stringify(run.filter),
        run.draft === undefined ? null : JSON.stringify(run.draft),
        run.total,
      ],
    );
  }

  async find(manager: EntityManager, workspaceId: string, id: string, lock = false): Promise<RecomputeRun | undefined> {
    const rows = (await manager.query(`SELECT * FROM ${this.runs} WHERE "workspace_id" = $1 AND "id" = $2 ${lock ? 'FOR UPDATE' : ''}`, [
      workspaceId,
      id,
    ])) as RunRow[];
    return rows[0] ? toRun(rows[0]) : undefined;
  }

  async progress(
    manager: EntityManager,
    id: string,
    step: { done: number; stageChanges: number; afterContactId: string | null; status: RecomputeView['status'] },
  ): Promise<void> {
    await manager.query(
      `UPDATE ${this.runs} SET "done" = "done" + $2, "stage_changes" = "stage_changes" + $3, "after_contact_id" = $4, "status" = $5,
         "finished_at" = CASE WHEN $5 IN ('done', 'failed') THEN now() END
       WHERE "id" = $1`,
      [id, step.done, step.stageChanges, step.afterContactId, step.status],
    );
  }

  /**
   * Contacts whose history holds an award of an active decaying rule of their workspace, after
   * `after` in (workspace, contact) order: those a decay run rescores.
   */
  async decayingContacts(
    manager: EntityManager,
    after: { workspaceId: string; contactId: string } | null,
    limit: number,
  ): Promise<Array<{ workspaceId: string; contactId: string }>> {
    const rows = (await manager.query(
      `SELECT DISTINCT h."workspace_id", h."contact_id" FROM ${this.history} h
       JOIN ${this.rules} r ON r."workspace_id" = h."workspace_id" AND r."id" = h."rule_id" AND r."active" AND r."decay" IS NOT NULL
       JOIN ${this.scores} s ON s."workspace_id" = h."workspace_id" AND s."contact_id" = h."contact_id" AND s."state" = 'active'
       WHERE h."reason" = 'award' AND ($1::text IS NULL OR (h."workspace_id", h."contact_id") > ($1::text, $2::uuid))
       ORDER BY h."workspace_id", h."contact_id" LIMIT $3`,
      [after?.workspaceId ?? null, after?.contactId ?? null, limit],
    )) as Array<{ workspace_id: string; contact_id: string }>;
    return rows.map((r) => ({ workspaceId: r.workspace_id, contactId: r.contact_id }));
  }
}
