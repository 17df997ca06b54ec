import { type HistoryRowKey, redundantHistoryRows } from './history-merge';

const t = (minute: number) => new Date(Date.UTC(2026, 0, 1, 0, minute));

function row(id: string, ruleKind: 'activity' | 'fit', activityId: string, ruleId: string, minute: number): HistoryRowKey {
  return { id, ruleKind, activityId, ruleId, at: t(minute) };
}

describe('redundantHistoryRows', () => {
  it('keeps distinct activities and distinct fit rules', () => {
    const rows = [
      row('1', 'activity', 'lead-a', 'lead_submitted', 1),
      row('2', 'fit', 'lead-a', 'fit_valid_email', 1),
      row('3', 'activity', 'lead-b', 'lead_submitted', 2),
      row('4', 'fit', 'lead-b', 'fit_valid_phone', 2),
    ];
    expect(redundantHistoryRows(rows)).toEqual([]);
  });

  it('keeps the earliest of a fit rule both contacts earned', () => {
    const survivorFit = row('1', 'fit', 'lead-s', 'fit_valid_email', 5);
    const mergedFit = row('2', 'fit', 'lead-m', 'fit_valid_email', 3);
    expect(redundantHistoryRows([survivorFit, mergedFit])).toEqual(['1']);
    expect(redundantHistoryRows([mergedFit, survivorFit])).toEqual(['1']);
  });

  it('keeps one row of an activity both contacts scored', () => {
    expect(
      redundantHistoryRows([row('1', 'activity', 'lead-x', 'lead_submitted', 1), row('2', 'activity', 'lead-x', 'lead_submitted', 1)]),
    ).toEqual(['2']);
  });

  it('breaks a tie in time by content, whatever the order of the rows', () => {
    const a = row('9', 'fit', 'lead-a', 'fit_valid_phone', 4);
    const b = row('1', 'fit', 'lead-b', 'fit_valid_phone', 4);
    expect(redundantHistoryRows([a, b])).toEqual(['1']);
    expect(redundantHistoryRows([b, a])).toEqual(['1']);
  });

  it('does not take an activity row and a fit row of the same activity for duplicates', () => {
    expect(
      redundantHistoryRows([row('1', 'activity', 'lead-a', 'lead_submitted', 1), row('2', 'fit', 'lead-a', 'fit_valid_email', 1)]),
    ).toEqual([]);
  });
});
