import { type LeadsDailyReport, type LeadsSummaryReport, type LeadsWeeklyReport, type Stage, STAGES } from '@leadflow/contracts';
import { daysBetween, formatDay, mondayOf, parseDay } from '../utc-calendar/utc-calendar';
import type { ReportRange } from './report-range';

/** Counter sums of one group (a day or a source) as read from the counters table. */
export interface CounterTotals {
  leads: number;
  newContacts: number;
  returningContacts: number;
  stageEntries: Record<Stage, number>;
}

export interface DayTotals extends CounterTotals {
  /** YYYY-MM-DD */
  day: string;
}

export interface SourceTotals extends CounterTotals {
  source: string;
}

export interface ReportFilters {
  source?: string;
  offer?: string;
  country?: string;
}

function zeroStages(): Record<Stage, number> {
  return Object.fromEntries(STAGES.map((stage) => [stage, 0])) as Record<Stage, number>;
}

/** What every report has besides its breakdown; `total` is the sum of the breakdown, so they always agree. */
function reportBase(
  range: ReportRange,
  filters: ReportFilters,
  groups: readonly CounterTotals[],
  breakdown: ReadonlyArray<{ count: number }>,
) {
  const stageEntries = zeroStages();
  let newContacts = 0;
  let returningContacts = 0;
  for (const group of groups) {
    newContacts += group.newContacts;
    returningContacts += group.returningContacts;
    for (const stage of STAGES) stageEntries[stage] += group.stageEntries[stage];
  }
  return {
    from: range.from,
    to: range.to,
    filters: { ...filters },
    total: breakdown.reduce((sum, entry) => sum + entry.count, 0),
    newContacts,
    returningContacts,
    stageEntries,
  };
}

/** Leads per day number, for the days inside the range only. */
function leadsByDay(range: ReportRange, days: readonly DayTotals[]): Map<number, number> {
  const byDay = new Map<number, number>();
  for (const totals of days) {
    const day = parseDay(totals.day);
    if (day === null || day < range.firstDay || day > range.lastDay) continue;
    byDay.set(day, (byDay.get(day) ?? 0) + totals.leads);
  }
  return byDay;
}

/** One entry per day of the range, in order, zero-filled. */
export function dailyBreakdown(range: ReportRange, days: readonly DayTotals[]): LeadsDailyReport['breakdown'] {
  const byDay = leadsByDay(range, days);
  return daysBetween(range.firstDay, range.lastDay).map((day) => ({ date: formatDay(day), count: byDay.get(day) ?? 0 }));
}

/**
 * One entry per Monday-based week touching the range, in order, zero-filled. `weekStart` is the
 * Monday, which may fall before `from`; only days inside the range are counted.
 */
export function weeklyBreakdown(range: ReportRange, days: readonly DayTotals[]): LeadsWeeklyReport['breakdown'] {
  const byDay = leadsByDay(range, days);
  const weeks: LeadsWeeklyReport['breakdown'] = [];
  for (let monday = mondayOf(range.firstDay); monday <= range.lastDay; monday += 7) {
    let count = 0;
    for (let day = Math.max(monday, range.firstDay); day <= Math.min(monday + 6, range.lastDay); day += 1) count += byDay.get(day) ?? 0;
    weeks.push({ weekStart: formatDay(monday), count });
  }
  return weeks;
}

/** Sources that had leads, by count (highest first), then by source. */
export function sourceBreakdown(sources: readonly SourceTotals[]): LeadsSummaryReport['breakdown'] {
  const bySource = new Map<string, number>();
  for (const totals of sources) bySource.set(totals.source, (bySource.get(totals.source) ?? 0) + totals.leads);
  return [...bySource]
    .filter(([, count]) => count > 0)
    .map(([source, count]) => ({ source, count }))
    .sort((a, b) => b.count - a.count || (a.source < b.source ? -1 : a.source > b.source ? 1 : 0));
}

export function dailyReport(range: ReportRange, filters: ReportFilters, days: readonly DayTotals[]): LeadsDailyReport {
  const breakdown = dailyBreakdown(range, days);
  return { ...reportBase(range, filters, days, breakdown), breakdown };
}

export function weeklyReport(range: ReportRange, filters: ReportFilters, days: readonly DayTotals[]): LeadsWeeklyReport {
  const breakdown = weeklyBreakdown(range, days);
  return { ...reportBase(range, filters, days, breakdown), breakdown };
}

export function summaryReport(range: ReportRange, filters: ReportFilters, sources: readonly SourceTotals[]): LeadsSummaryReport {
  const breakdown = sourceBreakdown(sources);
  return { ...reportBase(range, filters, sources, breakdown), breakdown };
}
