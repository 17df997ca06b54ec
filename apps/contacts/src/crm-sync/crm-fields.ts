import {
  AppException,
  type ContactFields,
  CRM_CONTACT_FIELDS,
  type CrmContactFields,
  type CrmEventReceivedData,
  type CrmObjectType,
  crmObjectType,
  ErrorCodes,
  type EventEnvelope,
} from '@leadflow/contracts';
import type { OpportunityChange } from '../opportunities/opportunity-fields';
import { readOpportunityFields } from '../opportunities/opportunity-fields';

/** Who made a write that a CRM event caused, as contact and opportunity events name it. */
export function crmActor(integrationId: string): string {
  return `integration:${integrationId}`;
}

/** Every CRM contact field is a field of a contact. */
const CONTACT_FIELDS: ReadonlyArray<keyof CrmContactFields & keyof ContactFields> = CRM_CONTACT_FIELDS;

/**
 * A contact event's fields as a merge patch over the contact's editable fields: absent leaves a
 * field as it is, null clears it. The values are checked and normalized as an admin's are.
 */
export function contactPatchOf(fields: Record<string, unknown>): ContactFields {
  const patch: Record<string, unknown> = {};
  for (const name of CONTACT_FIELDS) if (fields[name] !== undefined) patch[name] = fields[name];
  return patch as ContactFields;
}

/** An opportunity event read: the change to apply and the CRM id of its contact. */
export interface CrmOpportunityChange {
  change: OpportunityChange;
  contactExternalId?: string;
}

const invalid = (message: string) => new AppException(ErrorCodes.validationFailed, message);

/**
 * An opportunity event's fields as an opportunity change: the amount as Money (minor units and an
 * ISO 4217 currency, never a float), the stage a key of the default pipeline; `won` and `lost`
 * move it to `closed_won` / `closed_lost` whatever stage the event names.
 */
export function opportunityChangeOf(type: CrmEventReceivedData['type'], fields: Record<string, unknown>): CrmOpportunityChange {
  const contactExternalId = fields.contactExternalId;
  if (contactExternalId !== undefined && (typeof contactExternalId !== 'string' || contactExternalId.trim() === '')) {
    throw invalid('contactExternalId must be the CRM id of a contact');
  }
  const change = readOpportunityFields(
    {
      name: fields.name as string | undefined,
      amount: fields.amount as never,
      stage: fields.stage as string | undefined,
      expectedCloseDate: fields.expectedCloseDate as string | null | undefined,
      lostReason: fields.lostReason as string | null | undefined,
    },
    false,
  );
  if (type === 'opportunity.won') change.stage = 'closed_won';
  if (type === 'opportunity.lost') change.stage = 'closed_lost';
  return { change, contactExternalId: contactExternalId as string | undefined };
}

/** Where a record's events queue: its workspace, integration, kind and CRM id. */
export function recordKeyOf(event: EventEnvelope<CrmEventReceivedData>): string {
  const { integrationId, type, externalId } = event.data;
  return `crm:${event.workspaceId}:${integrationId.toLowerCase()}:${crmObjectType(type)}:${externalId}`;
}

const KIND_ORDER: Record<CrmObjectType, number> = { contact: 0, opportunity: 1, lead: 2 };

/**
 * The order a batch is applied in: contacts before opportunities (an opportunity may name a
 * contact of the same batch), then by the source's time (the record's events in the CRM's order),
 * ties by the event id. Each event is still checked against its record's newest applied time.
 * Oldest first, not newest alone: a sender such as HubSpot sends one property per event, so every
 * event of a record that arrives in order is applied; one arriving after a newer one is `stale`.
 */
export function applyOrder<T extends EventEnvelope<CrmEventReceivedData>>(events: readonly T[]): T[] {
  return [...events].sort((a, b) => {
    const kinds = KIND_ORDER[crmObjectType(a.data.type)] - KIND_ORDER[crmObjectType(b.data.type)];
    if (kinds !== 0) return kinds;
    const times = Date.parse(a.data.sourceUpdatedAt) - Date.parse(b.data.sourceUpdatedAt);
    if (times !== 0) return times;
    return a.data.crmEventId < b.data.crmEventId ? -1 : a.data.crmEventId > b.data.crmEventId ? 1 : 0;
  });
}

/** Errors that may go away on their own: part of what the event needs has not arrived yet. */
const RETRYABLE_CODES = new Set<string>([ErrorCodes.leadNotAttributed]);

/** An event that could not be applied, as `crm_event.processed` reports it. */
export interface CrmFailure {
  error: string;
  retryable: boolean;
}

/** A failure from an error the services raise for bad data (or data not there yet); undefined for any other error. */
export function failureOf(error: unknown): CrmFailure | undefined {
  if (!(error instanceof AppException)) return undefined;
  return { error: `${error.code}: ${error.message}`.slice(0, 1000), retryable: RETRYABLE_CODES.has(error.code) };
}
