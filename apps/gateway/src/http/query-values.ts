import { AppException, ErrorCodes } from '@leadflow/contracts';
import { normalizeCountry, normalizeEmail, normalizePhone } from '@leadflow/normalization';

const invalid = (message: string) => new AppException(ErrorCodes.invalidQuery, message);

/** Midnight UTC of a real calendar day from 0001 to 9998, or undefined for 2026-02-30 and friends. */
function dayStart(day: string): Date | undefined {
  const date = new Date(`${day}T00:00:00.000Z`);
  const year = date.getUTCFullYear();
  return !Number.isNaN(date.getTime()) && year >= 1 && year < 9999 && date.toISOString().slice(0, 10) === day ? date : undefined;
}

/** Both bounds as instants; `from` after `to` is a mistake, not an empty list. */
export function instantRange(from: string | undefined, to: string | undefined): { from?: string; to?: string } {
  const range = { from: instantOf(from, 'from'), to: instantOf(to, 'to') };
  if (range.from && range.to && range.from >= range.to) throw invalid(`from (${from}) must be before to (${to})`);
  return range;
}

/**
 * A query bound as an ISO instant: a day means its start for `from` and the start of the next
 * day for `to` (so that `to` is inclusive of the whole day).
 */
export function instantOf(value: string | undefined, bound: 'from' | 'to'): string | undefined {
  if (value === undefined) return undefined;
  if (value.length === 10) {
    const start = dayStart(value);
    if (!start) throw invalid(`${bound} is not a calendar date: ${value}`);
    if (bound === 'to') start.setUTCDate(start.getUTCDate() + 1);
    return start.toISOString();
  }
  const instant = new Date(value);
  if (Number.isNaN(instant.getTime()) || !dayStart(value.slice(0, 10))) throw invalid(`${bound} is not a valid instant: ${value}`);
  return instant.toISOString();
}

export function checkDay(value: string, name: string): string {
  if (!dayStart(value)) throw invalid(`${name} is not a calendar date: ${value}`);
  return value;
}

export function emailFilter(value: string | undefined): string | undefined {
  return value === undefined ? undefined : normalizeEmail(value).email;
}

export function phoneFilter(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const { phone } = normalizePhone(value, null);
  if (!phone) throw invalid('phone must be a number in international format, e.g. +4930901820');
  return phone;
}

export function countryFilter(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const country = normalizeCountry(value);
  if (!country) throw invalid(`country is not an ISO 3166 code or an English country name: ${value.slice(0, 64)}`);
  return country;
}
