import { type Stage, STAGES } from '@leadflow/contracts';
import { qualifiedTable, queryPrepared, SqlFilter } from '@leadflow/database';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';
import type { CounterIncrement } from './counter-increments';
import { COUNTER_COLUMNS, type CounterColumn, DIMENSION_COLUMNS, dimensionValue, STAGE_ENTRY_COLUMNS } from './lead-daily-counters';

/** A count that happens once per lead and key, on the UTC day it counts on. */
export interface LeadCount {
  workspaceId: string;
  leadId: string;
  /** What the lead is counted as (`LeadCountKeys`): the event type the count was first made from. */
  eventType: string;
  day: string;
}

export interface WorkspaceIncrement {
  workspaceId: string;
  increment: CounterIncrement;
}

/** Counter sums of one group (a day or a source). */
export interface CounterSums {
  key: string;
  leads: number;
  newContacts: number;
  returningContacts: number;
  stageEntries: Record<Stage, number>;
}

export type CounterFilters = Partial<Record<(typeof DIMENSION_COLUMNS)[number], string>>;

type SumRow = { key: string; leads: string; new_contacts: string; returning_contacts: string } & Record<Stage, string>;

function sumsOf(row: SumRow): CounterSums {
  return {
    key: row.key,
    leads: Number(row.leads),
    newContacts: Number(row.new_contacts),
    returningContacts: Number(row.returning_contacts),
    stageEntries: Object.fromEntries(STAGES.map((stage) => [stage, Number(row[stage])])) as Record<Stage, number>,
  };
}

/**
 * The daily counters read model: `lead_daily_counters`, one row per (workspace, UTC day, source,
 * offer, country), and `counted_lead_events`, which keeps a lead from being counted twice.
 */
@Injectable()
export class LeadCounterRepository {
  private readonly counters: string;
  private readonly counted: string;

  constructor(@InjectDataSource() private readonly dataSource: DataSource) {
    this.counters = qualifiedTable(dataSource, 'lead_daily_counters');
    this.counted = qualifiedTable(dataSource, 'counted_lead_events');
  }

  /** Records these counts with one statement; returns those recorded now (the others were counted before). */
  async recordFirstCounts(manager: EntityManager, counts: readonly LeadCount[]): Promise<Array<Omit<LeadCount, 'day'>>> {
    if (counts.length === 0) return [];
    const rows = (await queryPrepared(
      manager,
      `INSERT INTO ${this.counted} ("workspace_id", "lead_id", "event_type", "day")
       SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::date[])
       ON CONFLICT DO NOTHING RETURNING "workspace_id", "lead_id", "event_type"`,
      [counts.map((c) => c.workspaceId), counts.map((c) => c.leadId), counts.map((c) => c.eventType), counts.map((c) => c.day)],
    )) as Array<{ workspace_id: string; lead_id: string; event_type: string }>;
    return rows.map((row) => ({ workspaceId: row.workspace_id, leadId: row.lead_id, eventType: row.event_type }));
  }

  /**
   * Adds increments to their rows with one upsert. Increments of one row are summed first (an
   * upsert may touch a row once), and rows are written in key order, so concurrent transactions
   * lock them in the same order and never deadlock.
   */
  async add(manager: EntityManager, increments: readonly WorkspaceIncrement[]): Promise<void> {
    const rows = new Map<string, { key: string[]; deltas: Record<CounterColumn, number> }>();
    for (const { workspaceId, increment } of increments) {
      const key = [workspaceId, increment.day, increment.source, increment.offer, increment.country];
      const id = JSON.stringify(key);
      let row = rows.get(id);
      if (!row) {
        row = { key, deltas: Object.fromEntries(COUNTER_COLUMNS.map((c) => [c, 0])) as Record<CounterColumn, number> };
        rows.set(id, row);
      }
      row.deltas[increment.column] += 1;
    }
    if (rows.size === 0) return;
    const ordered = [...rows.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, row]) => row);
    const keyParams = [0, 1, 2, 3, 4].map((i) => ordered.map((row) => row.key[i]));
    const deltaParams = COUNTER_COLUMNS.map((column) => ordered.map((row) => row.deltas[column]));
    const columns = COUNTER_COLUMNS.map((c) => `"${c}"`).join(', ');
    const deltaArrays = COUNTER_COLUMNS.map((_, i) => `$${i + 6}::bigint[]`).join(', ');
    await queryPrepared(
      manager,
      `INSERT INTO ${this.counters} AS c ("workspace_id", "day", "source", "offer", "country", ${columns})
       SELECT "workspace_id", "day", "source", "offer", "country", ${columns}
       FROM unnest($1::text[], $2::date[], $3::text[], $4::text[], $5::text[], ${deltaArrays})
         WITH ORDINALITY AS r("workspace_id", "day", "source", "offer", "country", ${columns}, "ord")
       ORDER BY "ord"
       ON CONFLICT ("workspace_id", "day", "source", "offer", "country")
       DO UPDATE SET ${COUNTER_COLUMNS.map((c) => `"${c}" = c."${c}" + EXCLUDED."${c}"`).join(', ')}, "updated_at" = now()`,
      [...keyParams, ...deltaParams],
    );
  }

  /**
   * Counter sums per day (`YYYY-MM-DD`) or per source, for one workspace, over the UTC days `from`
   * to `to` (both included), after the filters. One statement, so its numbers share one snapshot.
   */
  async sums(
    workspaceId: string,
    groupBy: 'day' | 'source',
    days: { from: string; to: string },
    filters: CounterFilters,
  ): Promise<CounterSums[]> {
    const filter = new SqlFilter()
      .where('"workspace_id" = ?', workspaceId)
      .where('"day" >= ?::date', days.from)
      .where('"day" <= ?::date', days.to);
    for (const name of DIMENSION_COLUMNS) {
      const value = filters[name];
      filter.where(`"${name}" = ?`, value === undefined ? undefined : dimensionValue(value));
    }
    const key = groupBy === 'day' ? `to_char("day", 'YYYY-MM-DD')` : `"source"`;
    const stageSums = STAGES.map((stage) => `sum("${STAGE_ENTRY_COLUMNS[stage]}")::text AS "${stage}"`).join(', ');
    const rows = (await this.dataSource.query(
      `SELECT ${key} AS "key", sum("leads")::text AS "leads", sum("new_contacts")::text AS "new_contacts",
              sum("returning_contacts")::text AS "returning_contacts", ${stageSums}
       FROM ${this.counters}
       WHERE ${filter.sql}
       GROUP BY 1`,
      filter.params,
    )) as SumRow[];
    return rows.map(sumsOf);
  }
}
