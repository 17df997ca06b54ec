import { type LeadsDailyReport, type LeadsSummaryReport, type LeadsWeeklyReport, type Stage, STAGES } from '@leadflow/contracts';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { dimensionValue, LEAD_DAILY_COUNTERS, STAGE_ENTRY_COLUMNS } from '../lead-counters/lead-daily-counters';
import type { LeadsReportQueryDto } from './dto/leads-report-query.dto';
import {
  type CounterTotals,
  dailyReport,
  type DayTotals,
  type ReportFilters,
  type SourceTotals,
  summaryReport,
  weeklyReport,
} from './lead-report';
import { type ReportRange, resolveReportRange } from './report-range';

type SumRow = { key: string; leads: string; new_contacts: string; returning_contacts: string } & Record<Stage, string>;

const FILTER_COLUMNS = ['source', 'offer', 'country'] as const;

/** The filters the caller gave, as given (null or absent means no filter). */
function filtersOf(query: LeadsReportQueryDto): ReportFilters {
  const filters: ReportFilters = {};
  for (const name of FILTER_COLUMNS) {
    const value = query[name];
    if (typeof value === 'string') filters[name] = value;
  }
  return filters;
}

function totalsOf(row: SumRow): CounterTotals {
  return {
    leads: Number(row.leads),
    newContacts: Number(row.new_contacts),
    returningContacts: Number(row.returning_contacts),
    stageEntries: Object.fromEntries(STAGES.map((stage) => [stage, Number(row[stage])])) as Record<Stage, number>,
  };
}

/** Lead reports read from the daily counters; one query per report, so its numbers share one snapshot. */
@Injectable()
export class LeadReportsService {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  async summary(query: LeadsReportQueryDto): Promise<LeadsSummaryReport> {
    const range = resolveReportRange(query.from, query.to);
    const filters = filtersOf(query);
    const rows = await this.sums('source', query.workspaceId, range, filters);
    return summaryReport(
      range,
      filters,
      rows.map((row): SourceTotals => ({ source: row.key, ...totalsOf(row) })),
    );
  }

  async daily(query: LeadsReportQueryDto): Promise<LeadsDailyReport> {
    const range = resolveReportRange(query.from, query.to);
    const filters = filtersOf(query);
    return dailyReport(range, filters, await this.sumsByDay(query.workspaceId, range, filters));
  }

  async weekly(query: LeadsReportQueryDto): Promise<LeadsWeeklyReport> {
    const range = resolveReportRange(query.from, query.to);
    const filters = filtersOf(query);
    return weeklyReport(range, filters, await this.sumsByDay(query.workspaceId, range, filters));
  }

  private async sumsByDay(workspaceId: string, range: ReportRange, filters: ReportFilters): Promise<DayTotals[]> {
    const rows = await this.sums('day', workspaceId, range, filters);
    return rows.map((row) => ({ day: row.key, ...totalsOf(row) }));
  }

  /** Counter sums per day or per source, for one workspace, inside the range, after the filters. */
  private async sums(groupBy: 'day' | 'source', workspaceId: string, range: ReportRange, filters: ReportFilters): Promise<SumRow[]> {
    const params: unknown[] = [workspaceId, range.from, range.to];
    const conditions = [`"workspace_id" = $1`, `"day" BETWEEN $2::date AND $3::date`];
    for (const name of FILTER_COLUMNS) {
      const value = filters[name];
      if (value === undefined) continue;
      params.push(dimensionValue(value));
      conditions.push(`"${name}" = $${params.length}`);
    }
    const key = groupBy === 'day' ? `to_char("day", 'YYYY-MM-DD')` : `"source"`;
    const stageSums = STAGES.map((stage) => `sum("${STAGE_ENTRY_COLUMNS[stage]}")::text AS "${stage}"`).join(', ');
    return (await this.dataSource.query(
      `SELECT ${key} AS "key", sum("leads")::text AS "leads", sum("new_contacts")::text AS "new_contacts",
              sum("returning_contacts")::text AS "returning_contacts", ${stageSums}
       FROM ${LEAD_DAILY_COUNTERS}
       WHERE ${conditions.join(' AND ')}
       GROUP BY 1`,
      params,
    )) as SumRow[];
  }
}
