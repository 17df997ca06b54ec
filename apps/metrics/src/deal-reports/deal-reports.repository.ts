import type { ClosedDealsDailyReport, DealFunnelReport, PipelineValueReport } from '@leadflow/contracts';
import { qualifiedTable } from '@leadflow/database';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';

/**
 * The SQL of the deal reports. Each report is one statement whose GROUPING SETS compute the
 * breakdown and the totals from the same rows in the same snapshot; sums of bigint amounts are
 * numeric in PostgreSQL (exact, never float) and leave as text.
 */
@Injectable()
export class DealReportsRepository {
  private readonly opportunities: string;
  private readonly origins: string;
  private readonly conversions: string;

  constructor(@InjectDataSource() private readonly dataSource: DataSource) {
    this.opportunities = qualifiedTable(dataSource, 'deal_opportunities');
    this.origins = qualifiedTable(dataSource, 'deal_lead_origins');
    this.conversions = qualifiedTable(dataSource, 'deal_conversions');
  }

  async pipelineValue(workspaceId: string): Promise<PipelineValueReport> {
    const rows = (await this.dataSource.query(
      `SELECT "pipeline_id", "stage", "currency", GROUPING("pipeline_id") = 1 AS "total", count(*)::int AS "count", sum("amount")::text AS "amount"
       FROM ${this.opportunities}
       WHERE "workspace_id" = $1 AND "status" = 'open' AND NOT "deleted"
       GROUP BY GROUPING SETS (("pipeline_id", "stage", "currency"), ("currency"))
       ORDER BY "currency", "pipeline_id", "stage"`,
      [workspaceId],
    )) as Array<{ pipeline_id: string | null; stage: string | null; currency: string; total: boolean; count: number; amount: string }>;
    return {
      breakdown: rows
        .filter((row) => !row.total)
        .map((row) => ({
          pipelineId: row.pipeline_id as string,
          stage: row.stage as string,
          currency: row.currency,
          count: row.count,
          amount: row.amount,
        })),
      totals: rows.filter((row) => row.total).map((row) => ({ currency: row.currency, count: row.count, amount: row.amount })),
    };
  }

  /** Won and lost deals per UTC day of closing and currency, over the days `from` to `to` (both included). */
  async closedDaily(workspaceId: string, from: string, to: string): Promise<ClosedDealsDailyReport> {
    const rows = (await this.dataSource.query(
      `SELECT to_char("closed_at" AT TIME ZONE 'UTC', 'YYYY-MM-DD') AS "date", "currency", GROUPING(to_char("closed_at" AT TIME ZONE 'UTC', 'YYYY-MM-DD')) = 1 AS "total",
         (count(*) FILTER (WHERE "status" = 'won'))::int AS "won_count", COALESCE(sum("amount") FILTER (WHERE "status" = 'won'), 0)::text AS "won_amount",
         (count(*) FILTER (WHERE "status" = 'lost'))::int AS "lost_count", COALESCE(sum("amount") FILTER (WHERE "status" = 'lost'), 0)::text AS "lost_amount"
       FROM ${this.opportunities}
       WHERE "workspace_id" = $1 AND "status" IN ('won', 'lost') AND NOT "deleted"
         AND "closed_at" >= ($2::date AT TIME ZONE 'UTC') AND "closed_at" < (($3::date + 1) AT TIME ZONE 'UTC')
       GROUP BY GROUPING SETS ((1, "currency"), ("currency"))
       ORDER BY "currency", "date"`,
      [workspaceId, from, to],
    )) as Array<{
      date: string | null;
      currency: string;
      total: boolean;
      won_count: number;
      won_amount: string;
      lost_count: number;
      lost_amount: string;
    }>;
    const sums = (row: (typeof rows)[number]) => ({
      currency: row.currency,
      wonCount: row.won_count,
      wonAmount: row.won_amount,
      lostCount: row.lost_count,
      lostAmount: row.lost_amount,
    });
    return {
      from,
      to,
      breakdown: rows.filter((row) => !row.total).map((row) => ({ date: row.date as string, ...sums(row) })),
      totals: rows.filter((row) => row.total).map(sums),
    };
  }

  /**
   * Leads, conversions, live opportunities and won ones per source and offer of the lead they come
   * from. An opportunity counts under its origin lead's source and offer as metrics learnt them from
   * `lead.attributed`; one whose lead metrics has not seen counts under ''.
   */
  async funnel(workspaceId: string): Promise<DealFunnelReport> {
    const rows = (await this.dataSource.query(
      `WITH "steps" AS (
         SELECT "source", "offer", 1 AS "leads", 0 AS "contacts", 0 AS "opportunities", 0 AS "won"
         FROM ${this.origins} WHERE "workspace_id" = $1
         UNION ALL
         SELECT "source", "offer", 0, 1, 0, 0 FROM ${this.conversions} WHERE "workspace_id" = $1
         UNION ALL
         SELECT COALESCE(l."source", ''), COALESCE(l."offer", ''), 0, 0, 1, CASE WHEN o."status" = 'won' THEN 1 ELSE 0 END
         FROM ${this.opportunities} o
         LEFT JOIN ${this.origins} l ON l."workspace_id" = o."workspace_id" AND l."lead_id" = o."origin_lead_id"
         WHERE o."workspace_id" = $1 AND NOT o."deleted"
       )
       SELECT "source", "offer", GROUPING("source") = 1 AS "total", sum("leads")::int AS "leads", sum("contacts")::int AS "contacts",
              sum("opportunities")::int AS "opportunities", sum("won")::int AS "won"
       FROM "steps" GROUP BY GROUPING SETS (("source", "offer"), ()) ORDER BY "source", "offer"`,
      [workspaceId],
    )) as Array<{
      source: string | null;
      offer: string | null;
      total: boolean;
      leads: number;
      contacts: number;
      opportunities: number;
      won: number;
    }>;
    const counts = (row: (typeof rows)[number]) => ({
      leads: row.leads,
      contacts: row.contacts,
      opportunities: row.opportunities,
      won: row.won,
    });
    const total = rows.find((row) => row.total);
    return {
      breakdown: rows
        .filter((row) => !row.total)
        .map((row) => ({ source: row.source as string, offer: row.offer as string, ...counts(row) })),
      total: total ? counts(total) : { leads: 0, contacts: 0, opportunities: 0, won: 0 },
    };
  }
}
