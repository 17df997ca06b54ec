import { STAGES, type Stage } from '@leadflow/contracts';
import { utcDayOf } from '../utc-calendar/utc-calendar';
import { type CounterColumn, dimensionValue, STAGE_ENTRY_COLUMNS } from './lead-daily-counters';

/** One +1 on one counter of one (day, source, offer, country) row. */
export interface CounterIncrement {
  day: string;
  source: string;
  offer: string;
  country: string;
  column: CounterColumn;
}

/** An increment that must happen once per lead, whatever the number of events carrying it. */
export interface LeadIncrement {
  leadId: string;
  increment: CounterIncrement;
}

/**
 * The event's data does not have the shape its contract promises. The platform validates only the
 * envelope; a handler that throws this is retried and then dead-lettered, never silently dropped.
 */
export class InvalidEventDataError extends Error {}

const MAX_LEAD_ID_LENGTH = 128;

type Fields = Record<string, unknown>;

function fieldsOf(data: unknown): Fields {
  if (typeof data !== 'object' || data === null || Array.isArray(data)) throw new InvalidEventDataError('data is not an object');
  return data as Fields;
}

function requiredString(fields: Fields, name: string): string {
  const value = fields[name];
  if (typeof value !== 'string') throw new InvalidEventDataError(`data.${name} must be a string`);
  return value;
}

function optionalString(fields: Fields, name: string): string | null {
  const value = fields[name];
  if (value === null || value === undefined) return null;
  if (typeof value !== 'string') throw new InvalidEventDataError(`data.${name} must be a string or null`);
  return value;
}

function dayOf(fields: Fields, name: string): string {
  const day = utcDayOf(requiredString(fields, name));
  if (day === null) throw new InvalidEventDataError(`data.${name} must be an ISO 8601 timestamp`);
  return day;
}

function leadIdOf(fields: Fields): string {
  const leadId = requiredString(fields, 'leadId');
  if (leadId.length === 0 || leadId.length > MAX_LEAD_ID_LENGTH || leadId.includes('\u0000')) {
    throw new InvalidEventDataError(`data.leadId must be a non-empty id of at most ${MAX_LEAD_ID_LENGTH} characters`);
  }
  return leadId;
}

function increment(fields: Fields, dayField: string, column: CounterColumn): CounterIncrement {
  return {
    day: dayOf(fields, dayField),
    source: dimensionValue(requiredString(fields, 'source')),
    offer: dimensionValue(optionalString(fields, 'offer')),
    country: dimensionValue(optionalString(fields, 'country')),
    column,
  };
}

/** `lead.ingested` → leads +1 on the UTC day of `receivedAt`. */
export function leadIngestedIncrement(data: unknown): LeadIncrement {
  const fields = fieldsOf(data);
  return { leadId: leadIdOf(fields), increment: increment(fields, 'receivedAt', 'leads') };
}

/** `lead.attributed` → new or returning contacts +1 on the UTC day of `receivedAt`. */
export function leadAttributedIncrement(data: unknown): LeadIncrement {
  const fields = fieldsOf(data);
  const isNewContact = fields['isNewContact'];
  if (typeof isNewContact !== 'boolean') throw new InvalidEventDataError('data.isNewContact must be a boolean');
  return {
    leadId: leadIdOf(fields),
    increment: increment(fields, 'receivedAt', isNewContact ? 'new_contacts' : 'returning_contacts'),
  };
}

function isStage(value: unknown): value is Stage {
  return typeof value === 'string' && (STAGES as readonly string[]).includes(value);
}

/** `stage.changed` → entries into stage `to` +1 on the UTC day of `at`. */
export function stageChangedIncrement(data: unknown): CounterIncrement {
  const fields = fieldsOf(data);
  const to = fields['to'];
  if (!isStage(to)) throw new InvalidEventDataError(`data.to must be one of ${STAGES.join(', ')}`);
  return increment(fields, 'at', STAGE_ENTRY_COLUMNS[to]);
}
