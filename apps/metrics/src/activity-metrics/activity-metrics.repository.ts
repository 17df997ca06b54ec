import { type Stage, STAGES } from '@leadflow/contracts';
import { qualifiedTable, queryPrepared } from '@leadflow/database';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';
import { STAGE_ENTRY_COLUMNS } from '../lead-counters/lead-daily-counters';

/** One activity to count once, on its UTC day under its event name. */
export interface ActivityCount {
  workspaceId: string;
  activityId: string;
  day: string;
  name: string;
}

/** A contact that reached a stage on a UTC day (kept only the first time). */
export interface StageReached {
  workspaceId: string;
  contactId: string;
  stage: Stage;
  day: string;
}

function byKey<T>(rows: readonly T[], key: (row: T) => string): T[] {
  const unique = new Map<string, T>();
  for (const row of rows) if (!unique.has(key(row))) unique.set(key(row), row);
  return [...unique.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, row]) => row);
}

/**
 * The activity read model: `counted_activities` (one row per activity ever counted),
 * `activity_daily_counters` (per workspace, UTC day and event name) and `stage_funnel` (the day
 * each contact first reached each stage).
 */
@Injectable()
export class ActivityMetricsRepository {
  private readonly counted: string;
  private readonly counters: string;
  private readonly funnel: string;
  private readonly leadCounters: string;

  constructor(@InjectDataSource() private readonly dataSource: DataSource) {
    this.counted = qualifiedTable(dataSource, 'counted_activities');
    this.counters = qualifiedTable(dataSource, 'activity_daily_counters');
    this.funnel = qualifiedTable(dataSource, 'stage_funnel');
    this.leadCounters = qualifiedTable(dataSource, 'lead_daily_counters');
  }

  /**
   * Counts the activities not counted before, with one statement: the ones already in
   * `counted_activities` add nothing. Counter rows are written in key order, so concurrent
   * transactions lock them in the same order and never deadlock.
   */
  async count(manager: EntityManager, activities: readonly ActivityCount[]): Promise<void> {
    const rows = byKey(activities, (a) => JSON.stringify([a.workspaceId, a.activityId]));
    if (rows.length === 0) return;
    await queryPrepared(
      manager,
      `WITH "fresh" AS (
         INSERT INTO ${this.counted} ("workspace_id", "activity_id", "day", "name")
         SELECT * FROM unnest($1::text[], $2::uuid[], $3::date[], $4::text[])
         ON CONFLICT DO NOTHING RETURNING "workspace_id", "day", "name")
       INSERT INTO ${this.counters} AS c ("workspace_id", "day", "name", "events")
       SELECT "workspace_id", "day", "name", count(*) FROM "fresh" GROUP BY 1, 2, 3 ORDER BY 1, 2, 3
       ON CONFLICT ("workspace_id", "day", "name") DO UPDATE SET "events" = c."events" + EXCLUDED."events"`,
      [rows.map((r) => r.workspaceId), rows.map((r) => r.activityId), rows.map((r) => r.day), rows.map((r) => r.name)],
    );
  }

  /** Records the stages reached; a contact's stage keeps the day it was first reached. */
  async recordReached(manager: EntityManager, reached: readonly StageReached[]): Promise<void> {
    const rows = byKey(reached, (r) => JSON.stringify([r.workspaceId, r.contactId, r.stage]));
    if (rows.length === 0) return;
    await queryPrepared(
      manager,
      `INSERT INTO ${this.funnel} ("workspace_id", "contact_id", "stage", "day")
       SELECT * FROM unnest($1::text[], $2::uuid[], $3::text[], $4::date[])
       ON CONFLICT DO NOTHING`,
      [rows.map((r) => r.workspaceId), rows.map((r) => r.contactId), rows.map((r) => r.stage), rows.map((r) => r.day)],
    );
  }

  /** Activities per day and name over the UTC days `from`..`to`. */
  async eventsByDay(workspaceId: string, from: string, to: string): Promise<Array<{ day: string; name: string; events: number }>> {
    const rows = (await this.dataSource.query(
      `SELECT to_char("day", 'YYYY-MM-DD') AS "day", "name", "events"::text AS "events" FROM ${this.counters}
       WHERE "workspace_id" = $1 AND "day" BETWEEN $2::date AND $3::date ORDER BY "day", "name"`,
      [workspaceId, from, to],
    )) as Array<{ day: string; name: string; events: string }>;
    return rows.map((row) => ({ day: row.day, name: row.name, events: Number(row.events) }));
  }

  /** Entries into each stage per day (all sources, offers and countries) over `from`..`to`. */
  async stageEntriesByDay(workspaceId: string, from: string, to: string): Promise<Array<{ day: string } & Record<Stage, number>>> {
    const sums = STAGES.map((stage) => `sum("${STAGE_ENTRY_COLUMNS[stage]}")::text AS "${stage}"`).join(', ');
    const rows = (await this.dataSource.query(
      `SELECT to_char("day", 'YYYY-MM-DD') AS "day", ${sums} FROM ${this.leadCounters}
       WHERE "workspace_id" = $1 AND "day" BETWEEN $2::date AND $3::date GROUP BY "day"`,
      [workspaceId, from, to],
    )) as Array<{ day: string } & Record<Stage, string>>;
    return rows.map((row) => ({ day: row.day, ...(Object.fromEntries(STAGES.map((s) => [s, Number(row[s])])) as Record<Stage, number>) }));
  }

  /** Contacts first reaching each stage, per day, over `from`..`to`. */
  async funnelByDay(workspaceId: string, from: string, to: string): Promise<Array<{ day: string; stage: Stage; contacts: number }>> {
    const rows = (await this.dataSource.query(
      `SELECT to_char("day", 'YYYY-MM-DD') AS "day", "stage", count(*)::int AS "contacts" FROM ${this.funnel}
       WHERE "workspace_id" = $1 AND "day" BETWEEN $2::date AND $3::date GROUP BY "day", "stage"`,
      [workspaceId, from, to],
    )) as Array<{ day: string; stage: Stage; contacts: number }>;
    return rows;
  }
}
