import type { LeadsDailyReport, LeadsSummaryReport, LeadsWeeklyReport } from '@leadflow/contracts';
import { Injectable } from '@nestjs/common';
import { LeadCounterRepository } from '../lead-counters/lead-counter.repository';
import { DIMENSION_COLUMNS } from '../lead-counters/lead-daily-counters';
import type { LeadsReportQueryDto } from './dto/leads-report-query.dto';
import { dailyReport, type DayTotals, type ReportFilters, type SourceTotals, summaryReport, weeklyReport } from './lead-report';
import { type ReportRange, resolveReportRange } from './report-range';

/** The filters the caller gave, as given (null or absent means no filter). */
function filtersOf(query: LeadsReportQueryDto): ReportFilters {
  const filters: ReportFilters = {};
  for (const name of DIMENSION_COLUMNS) {
    const value = query[name];
    if (typeof value === 'string') filters[name] = value;
  }
  return filters;
}

/** Lead reports read from the daily counters; one query per report, so its numbers share one snapshot. */
@Injectable()
export class LeadReportsService {
  constructor(private readonly counters: LeadCounterRepository) {}

  async summary(query: LeadsReportQueryDto): Promise<LeadsSummaryReport> {
    const range = resolveReportRange(query.from, query.to);
    const filters = filtersOf(query);
    const rows = await this.counters.sums(query.workspaceId, 'source', range, filters);
    return summaryReport(
      range,
      filters,
      rows.map(({ key, ...totals }): SourceTotals => ({ source: key, ...totals })),
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
    const rows = await this.counters.sums(workspaceId, 'day', range, filters);
    return rows.map(({ key, ...totals }) => ({ day: key, ...totals }));
  }
}
