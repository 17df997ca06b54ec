/**
 * CRM integrations (inbound webhooks): the kinds of integration, the CRM event types LeadFlow
 * understands, and the canonical shape every received webhook is read into before it is applied.
 *
 * The path of one webhook: the gateway verifies its signature (`libs/signing`) and hands the raw
 * bytes to ingestion, which stores them in its CRM event log (partitioned by event time), reads
 * them into a `CanonicalCrmEvent` (with the integration's field mapping for `acme`), and publishes
 * `crm_event.received` through its outbox. Lead events are applied by ingestion itself, through the
 * raw-first lead path; contacts applies contact and opportunity events and `lead.converted`, and
 * answers every event it was given with `crm_event.processed`, from which ingestion keeps each
 * event's status and attempt count.
 */

/** An integration's kind sets its signature scheme (`libs/signing`) and the shape of its payloads. */
export const INTEGRATION_KINDS = ['acme', 'standard', 'stripe', 'hubspot'] as const;
export type IntegrationKind = (typeof INTEGRATION_KINDS)[number];

/** The CRM event types LeadFlow applies; any other type is stored and logged as `skipped`. */
export const CRM_EVENT_TYPES = [
  'contact.created',
  'contact.updated',
  'contact.deleted',
  'lead.created',
  'lead.updated',
  'lead.converted',
  'opportunity.created',
  'opportunity.updated',
  'opportunity.won',
  'opportunity.lost',
] as const;
export type CrmEventType = (typeof CRM_EVENT_TYPES)[number];

/** The kind of CRM record an event is about: the part of its type before the dot. */
export type CrmObjectType = 'contact' | 'lead' | 'opportunity';

export function crmObjectType(type: CrmEventType): CrmObjectType {
  return type.slice(0, type.indexOf('.')) as CrmObjectType;
}

/**
 * An event's status in the CRM event log: `received` when stored, then `processed`, `skipped` (a
 * duplicate, a type LeadFlow does not apply, or older than the state LeadFlow has: `stale`) or
 * `failed` (with an error; dead-lettered after the last attempt).
 */
export const CRM_EVENT_STATUSES = ['received', 'processed', 'skipped', 'failed'] as const;
export type CrmEventStatus = (typeof CRM_EVENT_STATUSES)[number];

/** Why an event was skipped. */
export const CRM_SKIP_REASONS = ['stale', 'duplicate', 'unsupported_type'] as const;
export type CrmSkipReason = (typeof CRM_SKIP_REASONS)[number];

/**
 * The wire payload of a CRM webhook of kind `acme` or `standard` (the simulator and the generator
 * send it; `stripe` and `hubspot` keep their own payloads, read into the same canonical event):
 *
 * ```json
 * { "type": "contact.updated", "id": "evt_123", "timestamp": "2026-11-30T10:00:00Z",
 *   "data": { "id": "crm-contact-42", "updatedAt": "2026-11-30T10:00:00Z", "email": "ana@example.com" } }
 * ```
 *
 * AcmeCRM's `eventType` is accepted for `type` (and an integration's field mapping may name other
 * places). `id` is the webhook's own id (replay protection uses it, or the scheme's header id);
 * `data.id` is the record's id in the CRM; `data.updatedAt` (else `timestamp`) is the record's time
 * in the CRM, which orders events: an older one never overwrites a newer state.
 * `data` of a contact: `firstName`, `lastName`, `email`, `phone`, `company`, `title`, `leadId`,
 * `createdAt`, `updatedAt`; of a lead: the same plus `source`, `status`, `score`, `assignedTo`; of an
 * opportunity: `name`, `leadId`, `contactId` (theirs), `amount` (a decimal in major units as sent,
 * e.g. "1299.00", converted exactly to minor units with `currency`'s exponent), `currency`, `stage`,
 * `probability`, `expectedCloseDate`, `createdAt`, `updatedAt`.
 * Ingestion reads the wire payload into a `CanonicalCrmEvent`, whose `fields` use the names of
 * `CrmContactFields` / `CrmOpportunityFields` (so `data.contactId` becomes `contactExternalId` and
 * the amount becomes minor units), or the lead body for leads.
 */
export interface CanonicalCrmEvent {
  type: CrmEventType;
  /** The record's id in the CRM. */
  externalId: string;
  /** The record's `updatedAt` in the CRM (the event time when it has none). */
  sourceUpdatedAt: string;
  /** The record's fields, named as in `CrmContactFields`, `CrmOpportunityFields` or a lead body. */
  fields: Record<string, unknown>;
}

/** The fields a contact event may carry (all optional; absent means unchanged, null means cleared). */
export interface CrmContactFields {
  email?: string | null;
  phone?: string | null;
  firstName?: string | null;
  lastName?: string | null;
  company?: string | null;
  title?: string | null;
  country?: string | null;
  tags?: string[];
  lifecycle?: 'lead' | 'contact' | 'customer';
  properties?: Record<string, unknown>;
}

/** The names of `CrmContactFields`: what LeadFlow reads and applies of a CRM contact (other fields are left out, not refused). */
export const CRM_CONTACT_FIELDS = [
  'email',
  'phone',
  'firstName',
  'lastName',
  'company',
  'title',
  'country',
  'tags',
  'lifecycle',
  'properties',
] as const satisfies ReadonlyArray<keyof CrmContactFields>;

/** The fields an opportunity event may carry. */
export interface CrmOpportunityFields {
  name?: string;
  /** The CRM id of the opportunity's contact (a contact event of this integration made it). */
  contactExternalId?: string;
  /** Minor units as a string, with `currency`: the shape of `MoneyJson`. */
  amount?: { amount: string; currency: string };
  /** A stage key of the workspace's default pipeline (`closed_won` and `closed_lost` close it). */
  stage?: string;
  /** YYYY-MM-DD. */
  expectedCloseDate?: string | null;
  lostReason?: string | null;
}
