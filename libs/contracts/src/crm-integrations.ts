/**
 * CRM integrations between the gateway (which keeps integrations and their secrets, and verifies
 * each webhook's signature) and ingestion (which stores every webhook and keeps the CRM event log):
 * the field mapping of `acme` payloads and the request/reply shapes of ingestion's CRM subjects.
 */
import type { EncodedBody } from './leads';
import type { CrmEventStatus, IntegrationKind } from './crm';

/**
 * Where an `acme` payload keeps what LeadFlow reads: each value is a dot path into the JSON body
 * (`record.updated_at`). `type`, `externalId` and `updatedAt` are required; `id` (the webhook's
 * own id, for replay protection) and `occurredAt` are optional. `types` renames the sender's event
 * types to LeadFlow's (`{"ContactCreated": "contact.created"}`); a type it does not name is read as
 * it is. `fields` names each record field (`email`, `amount.amount`, ...) and where it is.
 */
export interface AcmeFieldMapping {
  type: string;
  externalId: string;
  updatedAt: string;
  id?: string;
  occurredAt?: string;
  types?: Record<string, string>;
  fields: Record<string, string>;
}

/** A dot path into a JSON payload: names of letters, digits, `_`, `-` or `$`, separated by dots. */
export const CRM_MAPPING_PATH = /^[A-Za-z0-9_$-]{1,64}(\.[A-Za-z0-9_$-]{1,64}){0,15}$/;
/** A mapped field's name: `email`, or a nested one such as `amount.amount`. */
export const CRM_MAPPING_FIELD = /^[A-Za-z][A-Za-z0-9_]{0,63}(\.[A-Za-z][A-Za-z0-9_]{0,63}){0,3}$/;
export const MAX_CRM_MAPPING_FIELDS = 100;

/** What ingestion needs to know of an integration to read and route its events. */
export interface CrmIntegrationRef {
  id: string;
  workspaceId: string;
  kind: IntegrationKind;
  mapping: AcmeFieldMapping | null;
  paused: boolean;
}

/** The signature check's outcome, as the gateway hands it over (never a secret or an expected signature). */
export type CrmVerificationOutcome =
  { ok: true; secretIndex: number; signedAt: string; webhookId: string | null } | { ok: false; code: string; reason: string };

/** `ingestion.crm_webhook.store`: one received webhook, verified or not, to keep before it is answered. */
export interface StoreCrmWebhookRequest {
  integration: CrmIntegrationRef;
  receivedAt: string;
  /** The headers that matter: the scheme's, content type, user agent, forwarding, request id. */
  headers: Record<string, string>;
  body: EncodedBody;
  verification: CrmVerificationOutcome;
  requestId: string | null;
}

/**
 * `stored`: a new event (2xx); `replay`: the same webhook id was received before (200, nothing
 * done again), `eventId` the earlier event; `rejected`: the failed verification was kept for audit.
 */
export interface StoreCrmWebhookReply {
  outcome: 'stored' | 'replay' | 'rejected';
  eventId: string | null;
  /**
   * A batch (a HubSpot request's array): each item's event in request order, `replayed` when its
   * id was received before; the batch is `replay` only when every item is, and `eventId` is then
   * the first item's. Absent for a request of one event.
   */
  events?: StoredCrmBatchEvent[];
}

/** One item of a batch as stored: its event (the earlier one for a replay), its id in the CRM, why it failed. */
export interface StoredCrmBatchEvent {
  eventId: string | null;
  externalEventId: string | null;
  replayed: boolean;
  /** Set when the item could not be read (stored `failed`). */
  error: string | null;
}

/** One event of the CRM event log as the admin API shows it. */
export interface CrmEventView {
  id: string;
  integrationId: string;
  receivedAt: string;
  /** The record's time in the CRM (or the event's time): events are partitioned and ordered by it. */
  eventAt: string;
  /** As sent (an unsupported type is kept as it came); null when the payload could not be read. */
  type: string | null;
  /** The webhook's own id (scheme header or payload `id`); null when it had none. */
  externalEventId: string | null;
  /** The record's id in the CRM. */
  externalId: string | null;
  status: CrmEventStatus;
  reason: string | null;
  error: string | null;
  attempts: number;
  /** Failed for good: the last automatic attempt is spent. */
  deadLettered: boolean;
  /** Held while the integration was paused: stored, not yet handed on. */
  held: boolean;
  leadId: string | null;
  recordId: string | null;
}

export interface CrmEventListQuery {
  workspaceId: string;
  integrationId: string;
  status?: CrmEventStatus;
  type?: string;
  from?: string;
  to?: string;
  limit: number;
  cursor?: string;
}

/** `ingestion.crm_integration.set_paused`: paused, or resumed (held events handed on in event-time order). */
export interface SetCrmIntegrationPausedRequest {
  integration: CrmIntegrationRef;
  paused: boolean;
}

export interface SetCrmIntegrationPausedReply {
  paused: boolean;
  /** Events handed on by a resume. */
  released: number;
}

/** `ingestion.crm_event.retry`: hands one event on again (attempt + 1), re-read from its raw bytes. */
export interface RetryCrmEventRequest {
  integration: CrmIntegrationRef;
  eventId: string;
}

/** `ingestion.crm_event.replay`: re-reads and hands on the events received in a range (and status). */
export interface ReplayCrmEventsRequest {
  integration: CrmIntegrationRef;
  from: string;
  to: string;
  status?: CrmEventStatus;
}

export interface ReplayCrmEventsReply {
  replayed: number;
}

export type CrmStatusCounts = Record<CrmEventStatus, number>;

/** `ingestion.crm_integration.status`. */
export interface CrmIntegrationStatusView {
  integrationId: string;
  paused: boolean;
  /** Seconds since the oldest event still `received` arrived; 0 when none waits. */
  lagSeconds: number;
  lastEventAt: string | null;
  lastHour: CrmStatusCounts;
  lastDay: CrmStatusCounts;
  /** Failed verifications kept in the last day. */
  rejectedLastDay: number;
  deadLettered: number;
}
