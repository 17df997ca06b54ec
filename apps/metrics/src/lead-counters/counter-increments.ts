import type { LeadAttributedData, LeadIngestedData, StageChangedData } from '@leadflow/contracts';
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
 * An event whose data passed its contract (checked on receipt by the messaging library) but falls
 * on no day a counter can hold. A handler that throws this is retried and then dead-lettered.
 */
export class UncountableEventError extends Error {}

function dayOf(timestamp: string, field: string): string {
  const day = utcDayOf(timestamp);
  if (day === null) throw new UncountableEventError(`data.${field} must be an ISO 8601 timestamp of a day between years 1 and 9999`);
  return day;
}

function increment(
  day: string,
  dimensions: { source: string; offer: string | null; country: string | null },
  column: CounterColumn,
): CounterIncrement {
  return {
    day,
    source: dimensionValue(dimensions.source),
    offer: dimensionValue(dimensions.offer),
    country: dimensionValue(dimensions.country),
    column,
  };
}

/** `lead.ingested` → leads +1 on the UTC day of `receivedAt`. */
export function leadIngestedIncrement(data: LeadIngestedData): LeadIncrement {
  return { leadId: data.leadId, increment: increment(dayOf(data.receivedAt, 'receivedAt'), data, 'leads') };
}

/** `lead.attributed` → new or returning contacts +1 on the UTC day of `receivedAt`. */
export function leadAttributedIncrement(data: LeadAttributedData): LeadIncrement {
  return {
    leadId: data.leadId,
    increment: increment(dayOf(data.receivedAt, 'receivedAt'), data, data.isNewContact ? 'new_contacts' : 'returning_contacts'),
  };
}

/** `stage.changed` → entries into stage `to` +1 on the UTC day of `at`. */
export function stageChangedIncrement(data: StageChangedData): CounterIncrement {
  return increment(dayOf(data.at, 'at'), data, STAGE_ENTRY_COLUMNS[data.to]);
}
