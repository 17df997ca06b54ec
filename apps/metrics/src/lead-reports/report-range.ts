import { AppException, ErrorCodes, MAX_REPORT_DAYS } from '@leadflow/contracts';
import { parseDay } from '../utc-calendar/utc-calendar';

/** A validated report range: UTC days, both ends included. */
export interface ReportRange {
  from: string;
  to: string;
  /** Day numbers (days since 1970-01-01) of `from` and `to`. */
  firstDay: number;
  lastDay: number;
}

function invalidQuery(message: string): AppException {
  return new AppException(ErrorCodes.invalidQuery, message);
}

function dayOf(name: 'from' | 'to', text: string): number {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(text)) {
    throw invalidQuery(`${name} must be a UTC date written YYYY-MM-DD, got ${JSON.stringify(text.slice(0, 40))}`);
  }
  const day = parseDay(text);
  if (day === null) throw invalidQuery(`${name} is not a calendar date: ${text}`);
  return day;
}

/**
 * Checks a report's `from`/`to`: the format, that the dates exist, their order and the length of
 * the range (at most `maxDays` days, both ends included). Throws `invalid_query` (400) otherwise.
 */
export function resolveReportRange(from: string, to: string, maxDays = MAX_REPORT_DAYS): ReportRange {
  const firstDay = dayOf('from', from);
  const lastDay = dayOf('to', to);
  if (firstDay > lastDay) throw invalidQuery(`from (${from}) is after to (${to})`);
  const days = lastDay - firstDay + 1;
  if (days > maxDays) throw invalidQuery(`the range ${from}..${to} covers ${days} days; a report covers at most ${maxDays}`);
  return { from, to, firstDay, lastDay };
}
