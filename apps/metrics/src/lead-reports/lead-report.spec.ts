import type { Stage } from '@leadflow/contracts';
import { dailyBreakdown, dailyReport, type DayTotals, sourceBreakdown, summaryReport, weeklyBreakdown, weeklyReport } from './lead-report';
import { resolveReportRange } from './report-range';

const stages = (entries: Partial<Record<Stage, number>> = {}): Record<Stage, number> => ({
  cold: 0,
  warm: 0,
  hot: 0,
  qualified: 0,
  ...entries,
});
const day = (date: string, leads: number, extra: Partial<DayTotals> = {}): DayTotals => ({
  day: date,
  leads,
  newContacts: 0,
  returningContacts: 0,
  stageEntries: stages(),
  ...extra,
});

describe('dailyBreakdown', () => {
  it('has one entry per day of the range, zero-filled, in order', () => {
    const range = resolveReportRange('2026-02-27', '2026-03-02');
    expect(dailyBreakdown(range, [day('2026-03-01', 4), day('2026-02-27', 1)])).toEqual([
      { date: '2026-02-27', count: 1 },
      { date: '2026-02-28', count: 0 },
      { date: '2026-03-01', count: 4 },
      { date: '2026-03-02', count: 0 },
    ]);
  });

  it('ignores days outside the range', () => {
    const range = resolveReportRange('2026-03-01', '2026-03-01');
    expect(dailyBreakdown(range, [day('2026-02-28', 9), day('2026-03-01', 2), day('2026-03-02', 9)])).toEqual([
      { date: '2026-03-01', count: 2 },
    ]);
  });
});

describe('weeklyBreakdown', () => {
  it('starts weeks on Monday, even before from, and counts only days inside the range', () => {
    // 2026-03-04 is a Wednesday; 2026-03-10 a Tuesday.
    const range = resolveReportRange('2026-03-04', '2026-03-10');
    const days = [
      day('2026-03-02', 100),
      day('2026-03-04', 1),
      day('2026-03-08', 2),
      day('2026-03-09', 3),
      day('2026-03-10', 4),
      day('2026-03-11', 100),
    ];
    expect(weeklyBreakdown(range, days)).toEqual([
      { weekStart: '2026-03-02', count: 3 },
      { weekStart: '2026-03-09', count: 7 },
    ]);
  });

  it('zero-fills weeks without leads', () => {
    const range = resolveReportRange('2026-03-02', '2026-03-22');
    expect(weeklyBreakdown(range, [day('2026-03-16', 5)])).toEqual([
      { weekStart: '2026-03-02', count: 0 },
      { weekStart: '2026-03-09', count: 0 },
      { weekStart: '2026-03-16', count: 5 },
    ]);
  });

  it('has one week for a range inside one week, and crosses a year end', () => {
    expect(weeklyBreakdown(resolveReportRange('2026-03-03', '2026-03-05'), [day('2026-03-04', 2)])).toEqual([
      { weekStart: '2026-03-02', count: 2 },
    ]);
    expect(weeklyBreakdown(resolveReportRange('2026-01-01', '2026-01-05'), [day('2026-01-01', 1), day('2026-01-05', 2)])).toEqual([
      { weekStart: '2025-12-29', count: 1 },
      { weekStart: '2026-01-05', count: 2 },
    ]);
  });
});

describe('sourceBreakdown', () => {
  it('sorts by count, highest first, then by source, and leaves out sources without leads', () => {
    const totals = (source: string, leads: number) => ({ source, ...day('2026-03-01', leads) });
    expect(sourceBreakdown([totals('b', 2), totals('c', 5), totals('a', 2), totals('z', 0)])).toEqual([
      { source: 'c', count: 5 },
      { source: 'a', count: 2 },
      { source: 'b', count: 2 },
    ]);
  });
});

describe('reports', () => {
  const range = resolveReportRange('2026-03-01', '2026-03-09');
  const days = [
    day('2026-03-01', 3, { newContacts: 2, returningContacts: 1, stageEntries: stages({ cold: 3, warm: 1 }) }),
    day('2026-03-09', 2, { newContacts: 1, stageEntries: stages({ hot: 1, qualified: 1 }) }),
  ];

  it('has a total equal to the sum of the breakdown, and range-wide contact and stage counts', () => {
    for (const report of [dailyReport(range, {}, days), weeklyReport(range, {}, days)]) {
      expect(report.total).toBe(5);
      expect(report.total).toBe(report.breakdown.reduce((sum: number, entry: { count: number }) => sum + entry.count, 0));
      expect(report).toMatchObject({
        from: '2026-03-01',
        to: '2026-03-09',
        newContacts: 3,
        returningContacts: 1,
        stageEntries: { cold: 3, warm: 1, hot: 1, qualified: 1 },
      });
    }
  });

  it('echoes the filters given and no others', () => {
    expect(dailyReport(range, { offer: 'summer' }, days).filters).toEqual({ offer: 'summer' });
    const summary = summaryReport(range, { source: 'landing', country: '' }, [{ source: 'landing', ...days[0] }]);
    expect(summary.filters).toEqual({ source: 'landing', country: '' });
    expect(summary.breakdown).toEqual([{ source: 'landing', count: 3 }]);
    expect(summary.total).toBe(3);
  });

  it('reports zeros for an empty range', () => {
    const report = weeklyReport(range, {}, []);
    expect(report.total).toBe(0);
    expect(report.breakdown.every((week) => week.count === 0)).toBe(true);
    expect(report.stageEntries).toEqual(stages());
  });
});
