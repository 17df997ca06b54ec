import type { ScoringTimelineEntry, Stage } from '@leadflow/contracts';
import { qualifiedTable } from '@leadflow/database';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';

/** Reads over a contact's derived histories and activities: its scoring timeline and insights. */
@Injectable()
export class ReadsRepository {
  private readonly history: string;
  private readonly stages: string;
  private readonly activities: string;

  constructor(@InjectDataSource() dataSource: DataSource) {
    this.history = qualifiedTable(dataSource, 'score_history');
    this.stages = qualifiedTable(dataSource, 'stage_history');
    this.activities = qualifiedTable(dataSource, 'activities');
  }

  /** Score and stage changes before `before` (all when absent), newest first; a stage change after the score change that caused it. */
  async timeline(
    manager: EntityManager,
    workspaceId: string,
    contactId: string,
    before: string | null,
    limit: number,
  ): Promise<ScoringTimelineEntry[]> {
    const rows = (await manager.query(
      `SELECT * FROM (
         SELECT h."at", 'score_changed' AS "kind", h."activity_id", h."rule_id", h."points", h."score_after" AS "score",
                NULL::text AS "stage", NULL::text AS "from_stage", 0 AS "rank", h."id"
         FROM ${this.history} h WHERE h."workspace_id" = $1 AND h."contact_id" = $2 AND ($3::timestamptz IS NULL OR h."at" < $3)
         UNION ALL
         SELECT t."at", 'stage_changed', t."activity_id", NULL, NULL, t."score", t."to_stage", t."from_stage", 1, t."id"
         FROM ${this.stages} t WHERE t."workspace_id" = $1 AND t."contact_id" = $2 AND ($3::timestamptz IS NULL OR t."at" < $3)
       ) e ORDER BY e."at" DESC, e."rank" DESC, e."id" DESC LIMIT $4`,
      [workspaceId, contactId, before, limit],
    )) as Array<{
      at: Date;
      kind: ScoringTimelineEntry['kind'];
      activity_id: string;
      rule_id: string | null;
      points: number | null;
      score: number | null;
      stage: Stage | null;
      from_stage: Stage | null;
    }>;
    return rows.map((r) => ({
      at: r.at.toISOString(),
      kind: r.kind,
      activityId: r.activity_id,
      ruleId: r.rule_id,
      points: r.points,
      score: r.score ?? 0,
      stage: r.stage,
      fromStage: r.from_stage,
    }));
  }

  /** Points earned (or lost) in [from, to), with one statement for two windows. */
  async pointsBetween(
    manager: EntityManager,
    workspaceId: string,
    contactId: string,
    windows: ReadonlyArray<{ from: string; to: string }>,
  ): Promise<number[]> {
    const rows = (await manager.query(
      `SELECT w."ord"::int AS "ord", COALESCE((SELECT SUM(h."points") FROM ${this.history} h
         WHERE h."workspace_id" = $1 AND h."contact_id" = $2 AND h."at" >= w."from" AND h."at" < w."to"), 0)::int AS "points"
       FROM unnest($3::timestamptz[], $4::timestamptz[]) WITH ORDINALITY AS w("from", "to", "ord")`,
      [workspaceId, contactId, windows.map((w) => w.from), windows.map((w) => w.to)],
    )) as Array<{ ord: number; points: number }>;
    const result = windows.map(() => 0);
    for (const row of rows) result[row.ord - 1] = row.points;
    return result;
  }

  async lastActivityAt(manager: EntityManager, workspaceId: string, contactId: string): Promise<Date | null> {
    const [row] = (await manager.query(
      `SELECT max("occurred_at") AS "at" FROM ${this.activities} WHERE "workspace_id" = $1 AND "contact_id" = $2`,
      [workspaceId, contactId],
    )) as Array<{ at: Date | null }>;
    return row?.at ?? null;
  }
}
