import { EventTypes, type LeadAttributedData, type StageChangedData } from '@leadflow/contracts';
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

/**
 * What a lead is counted as, once each (`counted_lead_events.event_type`): a lead, and a new or
 * returning contact. The keys are the event types the counts were first made from; the lead count
 * keeps `lead.ingested`'s though it is now made from `lead.attributed`, so that a lead counted by an
 * earlier release (from `lead.ingested`) is not counted again.
 */
export const LeadCountKeys = { lead: EventTypes.leadIngested, contact: EventTypes.leadAttributed } as const;

export type LeadCountKey = (typeof LeadCountKeys)[keyof typeof LeadCountKeys];

/** An increment that must happen once per lead and key, whatever the number of events carrying it. */
export interface LeadIncrement {
  leadId: string;
  key: LeadCountKey;
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

/**
 * `lead.attributed` → leads +1, and new or returning contacts +1, on the UTC day of `receivedAt`.
 * Leads are counted once contacts has attributed them, so that every lead counted is also a new or
 * a returning contact of the same day and dimensions.
 */
export function leadAttributedIncrements(data: LeadAttributedData): [LeadIncrement, LeadIncrement] {
  const day = dayOf(data.receivedAt, 'receivedAt');
  return [
    { leadId: data.leadId, key: LeadCountKeys.lead, increment: increment(day, data, 'leads') },
    {
      leadId: data.leadId,
      key: LeadCountKeys.contact,
      increment: increment(day, data, data.isNewContact ? 'new_contacts' : 'returning_contacts'),
    },
  ];
}

/** `stage.changed` → entries into stage `to` +1 on the UTC day of `at`. */
export function stageChangedIncrement(data: StageChangedData): CounterIncrement {
  return increment(dayOf(data.at, 'at'), data, STAGE_ENTRY_COLUMNS[data.to]);
}
