/** The intake contract between the gateway and ingestion, and the lead views admins read. */
import type { RpcErrorBody } from './errors';

export const MAX_BATCH_LEADS = 500;
export const MAX_IDEMPOTENCY_KEY_LENGTH = 255;
/** Until access control gives every sender its own key, all intake lands under one source. */
export const DEFAULT_LEAD_SOURCE = 'default';

/**
 * A request body on its way to ingestion. NATS caps a message at 1 MiB, like our intake limit, so
 * large bodies travel gzip-compressed; small ones as they are.
 */
export interface EncodedBody {
  encoding: 'utf8' | 'gzip+base64';
  data: string;
}

/** What the gateway knows about a request, stored beside the raw bytes. */
export interface IntakeRequestMeta {
  workspaceId: string;
  source: string;
  /** ISO timestamp at which the gateway received the request. */
  receivedAt: string;
  contentType: string;
  /** A selection of the request headers (user agent, forwarding, origin, referer, ...). */
  headers: Record<string, string>;
  remoteAddress: string | null;
}

export interface IngestLeadRequest extends IntakeRequestMeta {
  idempotencyKey: string | null;
  body: EncodedBody;
}

/**
 * Single-lead requests that reached the gateway at about the same time, stored by ingestion in one
 * transaction (group commit). Each item keeps its own request id, result and error.
 */
export interface IngestLeadGroupRequest {
  items: Array<IngestLeadRequest & { requestId: string }>;
}

/** One result per item, in order: the reply, or the error that item alone would have got. */
export type IngestLeadGroupResult = { ok: true; reply: IngestLeadReply } | { ok: false; error: RpcErrorBody };

export interface IngestLeadGroupReply {
  results: IngestLeadGroupResult[];
}

export interface IngestLeadReply {
  leadId: string;
  /** ISO time the lead was first received (the original's, for a replay). */
  receivedAt: string;
  /** True when the key and body were seen before; nothing new was stored. */
  deduplicated: boolean;
}

/** `POST /api/v1/leads/batch`: the body as received; ingestion parses and stores item by item. */
export interface IngestBatchRequest extends IntakeRequestMeta {
  body: EncodedBody;
}

/**
 * One batch item's outcome, in codes: stored (or replayed), or refused on its own
 * (`invalid_payload`, `idempotency_key_reused`). The gateway gives each its HTTP status.
 */
export type BatchItemResult =
  { index: number; ok: true; id: string; receivedAt: string; replayed: boolean } | { index: number; ok: false; error: RpcErrorBody };

export interface IngestBatchReply {
  results: BatchItemResult[];
}

/**
 * A lead view travels in one NATS message (at most 1 MiB): a larger raw body is shown cut to this
 * size; the stored bytes are complete.
 */
export const MAX_LEAD_VIEW_BODY_BYTES = 256 * 1024;

/** Refused bodies are kept up to this size, for audit. */
export const MAX_REJECTED_BODY_BYTES = 64 * 1024;

export interface ParseIssue {
  field: string;
  reason: string;
  /** The offending value, shortened. */
  value?: string;
}

/** What normalization derives from a lead. Never a rejection: what fails to parse is listed in `issues`. */
export interface NormalizedLead {
  firstName: string | null;
  lastName: string | null;
  /** Trimmed and lower-cased, kept even when invalid. */
  email: string | null;
  emailValid: boolean;
  /** E.164 when the number could be parsed. */
  phone: string | null;
  phoneValid: boolean;
  /** ISO 3166-1 alpha-2. */
  country: string | null;
  /** ISO 639-1. */
  language: string | null;
  ip: string | null;
  offer: string | null;
  clickId: string | null;
  creo: string | null;
  description: string | null;
  domain: string | null;
  marker: string | null;
  sourcetype: string | null;
  /** Fields the platform does not know, kept as sent. */
  extra: Record<string, unknown>;
  issues: ParseIssue[];
}

export interface LeadSummary {
  id: string;
  source: string;
  receivedAt: string;
  email: string | null;
  phone: string | null;
  country: string | null;
  offer: string | null;
  firstName: string | null;
  lastName: string | null;
}

export interface LeadView extends LeadSummary {
  workspaceId: string;
  idempotencyKey: string | null;
  normalized: NormalizedLead;
  raw: {
    contentType: string;
    /** The body exactly as received (its first MAX_LEAD_VIEW_BODY_BYTES when `truncated`). */
    body: string;
    bodyBytes: number;
    truncated: boolean;
    headers: Record<string, string>;
  };
  /** True when unknown fields were too large to show here (`normalized.extra` is then empty). */
  extraTruncated: boolean;
  issues: ParseIssue[];
  /** Added by the gateway from contacts once the lead is attributed. */
  contactId?: string | null;
}

export interface LeadListQuery {
  workspaceId: string;
  limit: number;
  cursor?: string;
  source?: string;
  offer?: string;
  email?: string;
  /** Inclusive lower bound on receivedAt (ISO). */
  from?: string;
  /** Exclusive upper bound on receivedAt (ISO). */
  to?: string;
}

export interface ByIdQuery {
  workspaceId: string;
  id: string;
}
