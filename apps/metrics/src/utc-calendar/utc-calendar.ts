/**
 * UTC calendar days as integers (days since 1970-01-01), so that ranges, Monday weeks and
 * zero-filling are plain arithmetic with no time zone or DST in the way.
 */

const DAY_MS = 24 * 60 * 60 * 1000;
const DAY_PATTERN = /^(\d{4})-(\d{2})-(\d{2})$/;
/** Years PostgreSQL's `date` and our four-digit format both represent. */
const MIN_YEAR = 1;
const MAX_YEAR = 9999;

/** Day number of a `YYYY-MM-DD` calendar date, or null when the text is not a real date (2026-02-30). */
export function parseDay(text: string): number | null {
  const match = DAY_PATTERN.exec(text);
  if (!match) return null;
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  if (year < MIN_YEAR || year > MAX_YEAR) return null;
  // setUTCFullYear, unlike Date.UTC, does not map years 0-99 to 1900-1999.
  const date = new Date(0);
  date.setUTCFullYear(year, month - 1, day);
  if (date.getUTCFullYear() !== year || date.getUTCMonth() !== month - 1 || date.getUTCDate() !== day) return null;
  return Math.round(date.getTime() / DAY_MS);
}

/** `YYYY-MM-DD` of a day number. */
export function formatDay(dayNumber: number): string {
  const date = new Date(dayNumber * DAY_MS);
  const year = String(date.getUTCFullYear()).padStart(4, '0');
  const month = String(date.getUTCMonth() + 1).padStart(2, '0');
  const day = String(date.getUTCDate()).padStart(2, '0');
  return `${year}-${month}-${day}`;
}

// ISO 8601 date-time as producers write it; the zone may be Z, an offset, or absent (read as UTC).
const TIMESTAMP_PATTERN = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})?$/i;

// The same, in UTC, with hours 00-23 (24:00 would be the next day) and seconds 00-59.
const UTC_TIMESTAMP_PATTERN = /^(\d{4}-\d{2}-\d{2})T(?:[01]\d|2[0-3]):[0-5]\d(?::[0-5]\d(?:\.\d{1,9})?)?Z$/i;
let lastUtcDay: string | undefined;

/**
 * The UTC day (`YYYY-MM-DD`) of an ISO 8601 timestamp, or null when it is not one. A timestamp
 * without a zone is read as UTC rather than as the server's local time.
 */
export function utcDayOf(timestamp: string): string | null {
  // A UTC timestamp as toISOString writes it (every event's): its day is its first ten characters,
  // once they are a real date. Events come in runs of the same day, so the last one is remembered.
  const utc = UTC_TIMESTAMP_PATTERN.exec(timestamp);
  if (utc) {
    const day = utc[1] as string;
    if (day === lastUtcDay) return day;
    if (parseDay(day) === null) return null;
    lastUtcDay = day;
    return day;
  }
  // Date.parse rolls impossible dates over (2026-02-30T… becomes March 2nd): insist the date is real.
  if (!TIMESTAMP_PATTERN.test(timestamp) || parseDay(timestamp.slice(0, 10)) === null) return null;
  const hasZone = /(Z|[+-]\d{2}:\d{2})$/i.test(timestamp);
  // JavaScript keeps at most milliseconds; finer digits do not move the day.
  const normalized = timestamp.replace(/(\.\d{3})\d+/, '$1');
  const ms = Date.parse(hasZone ? normalized : `${normalized}Z`);
  if (Number.isNaN(ms)) return null;
  const day = formatDay(Math.floor(ms / DAY_MS));
  // An offset can carry 0001-01-01 into year 0, which neither PostgreSQL nor YYYY can hold.
  return parseDay(day) === null ? null : day;
}

/** 0 for Monday … 6 for Sunday (1970-01-01 was a Thursday). */
export function isoWeekday(dayNumber: number): number {
  return (((dayNumber + 3) % 7) + 7) % 7;
}

/** The Monday on or before the day: the start of its ISO week. */
export function mondayOf(dayNumber: number): number {
  return dayNumber - isoWeekday(dayNumber);
}

/** Every day number from `first` to `last`, both included. */
export function daysBetween(first: number, last: number): number[] {
  const days: number[] = [];
  for (let day = first; day <= last; day += 1) days.push(day);
  return days;
}
