import { AppException, ErrorCodes, MAX_REPORT_DAYS } from '@leadflow/contracts';
import { resolveReportRange } from './report-range';

function failure(from: string, to: string, maxDays?: number): AppException {
  try {
    resolveReportRange(from, to, maxDays);
  } catch (error) {
    if (error instanceof AppException) return error;
    throw error;
  }
  throw new Error(`expected ${from}..${to} to be refused`);
}

describe('resolveReportRange', () => {
  it('accepts an inclusive range of UTC days', () => {
    expect(resolveReportRange('2026-03-01', '2026-03-07')).toMatchObject({ from: '2026-03-01', to: '2026-03-07' });
    const single = resolveReportRange('2026-03-01', '2026-03-01');
    expect(single.lastDay - single.firstDay).toBe(0);
  });

  it('refuses a badly written date with invalid_query, naming the field', () => {
    for (const [from, to, field] of [
      ['2026-3-1', '2026-03-07', 'from'],
      ['2026-03-01', '07.03.2026', 'to'],
      ['2026-03-01T00:00:00Z', '2026-03-07', 'from'],
      ['', '2026-03-07', 'from'],
    ]) {
      const error = failure(from, to);
      expect(error.code).toBe(ErrorCodes.invalidQuery);
      expect(error.message).toMatch(new RegExp(`^${field} must be a UTC date written YYYY-MM-DD`));
    }
  });

  it('refuses dates that do not exist', () => {
    expect(failure('2026-02-30', '2026-03-07').message).toBe('from is not a calendar date: 2026-02-30');
    expect(failure('2026-03-01', '2026-04-31').message).toBe('to is not a calendar date: 2026-04-31');
  });

  it('refuses from after to', () => {
    expect(failure('2026-03-08', '2026-03-07').message).toBe('from (2026-03-08) is after to (2026-03-07)');
  });

  it(`allows at most MAX_REPORT_DAYS (${MAX_REPORT_DAYS}) days, both ends counted`, () => {
    expect(() => resolveReportRange('2026-01-01', '2026-01-10', 10)).not.toThrow();
    expect(failure('2026-01-01', '2026-01-11', 10).message).toBe(
      'the range 2026-01-01..2026-01-11 covers 11 days; a report covers at most 10',
    );
    const longest = resolveReportRange('2024-01-01', '2026-09-26');
    expect(longest.lastDay - longest.firstDay + 1).toBe(MAX_REPORT_DAYS);
    expect(failure('2024-01-01', '2026-09-27').code).toBe(ErrorCodes.invalidQuery);
  });
});
