/**
 * GDPR: erasure, export and suppression between the gateway and the apps. Identities travel and are
 * stored as hashes only (`identityHash` in libs/normalization: sha256 hex of `<kind>:<normalized value>`),
 * never as the clear email or phone.
 */
import { ArrayMaxSize, IsArray, IsIn, IsInt, IsOptional, IsString, IsUUID, Length, Matches, Max, Min } from 'class-validator';
import { MAX_PAGE_SIZE } from './pagination';

export const IDENTITY_KINDS = ['email', 'phone'] as const;
export type IdentityKind = (typeof IDENTITY_KINDS)[number];

/** sha256, lower-case hex. */
export const IDENTITY_HASH_PATTERN = /^[0-9a-f]{64}$/;

/** The apps that redact a person's data on `contact.erased`, each recording a step; contacts does its own in the erase call. */
export const ERASURE_APPS = ['contacts', 'ingestion', 'scoring', 'metrics', 'gateway'] as const;
export type ErasureApp = (typeof ERASURE_APPS)[number];

/** What one app did for one erasure, recorded in its own schema in the transaction that did it. */
export interface ErasureStep {
  app: ErasureApp;
  completedAt: string;
  /** Counts of what was redacted, removed or kept, by kind: app-specific. */
  summary: Record<string, number | string | boolean>;
}

/** The erasure record contacts keeps (who, when, what), without the steps of the other apps. */
export interface ErasureRecord {
  id: string;
  workspaceId: string;
  contactId: string;
  requestedBy: string;
  requestedAt: string;
  /** Leads attributed to the contact (and to contacts merged into it) at erasure time. */
  leadIds: string[];
  mergedContactIds: string[];
  /** Hashes of the identities erased (`identityHash`), now suppressed. */
  emailHashes: string[];
  phoneHashes: string[];
}

export interface ErasureView extends ErasureRecord {
  /** `completed` once every app in ERASURE_APPS recorded its step. */
  status: 'pending' | 'completed';
  steps: ErasureStep[];
  /** Apps whose step is not recorded (yet), or that could not be asked. */
  pendingApps: ErasureApp[];
}

/** `contacts.contact.erase`: erases a contact, or answers the erasure made before. */
export class EraseContactRequest {
  @IsString()
  @Length(1, 64)
  workspaceId!: string;

  @IsUUID()
  id!: string;

  /** Who asked: `key:<id>` or `account:<id>`. */
  @IsString()
  @Length(1, 200)
  requestedBy!: string;
}

export interface EraseContactReply {
  erasure: ErasureRecord;
  /** The contacts app's own step, recorded in the same transaction as the erasure. */
  step: ErasureStep;
  /** False when the contact had been erased before: this is that erasure. */
  created: boolean;
}

/** `<app>.erasure.step` and `contacts.erasure.get`: an erasure by its id. */
export class ErasureStepRequest {
  @IsString()
  @Length(1, 64)
  workspaceId!: string;

  @IsUUID()
  erasureId!: string;
}

export interface ErasureStepReply {
  /** Null while the app has not applied the erasure. */
  step: ErasureStep | null;
}

export interface ErasureGetReply {
  erasure: ErasureRecord;
  step: ErasureStep;
}

/** `ingestion.lead.export`: the leads with these ids, of one workspace. */
export class LeadExportRequest {
  @IsString()
  @Length(1, 64)
  workspaceId!: string;

  @IsArray()
  @IsUUID('all', { each: true })
  leadIds!: string[];
}

/** Everything ingestion holds of one lead: the raw request (body as text, cut) and its normalized form. */
export interface LeadExport {
  id: string;
  source: string;
  receivedAt: string;
  idempotencyKey: string | null;
  redacted: boolean;
  suppressed: boolean;
  normalized: Record<string, unknown>;
  payload: Record<string, unknown>;
  raw: {
    contentType: string;
    headers: Record<string, unknown>;
    remoteAddress: string | null;
    body: string;
    bodyBytes: number;
    truncated: boolean;
  };
}

export interface LeadExportReply {
  leads: LeadExport[];
}

/** At most this many lead ids in one `ingestion.rejected.export`, and this many requests in its answer. */
export const MAX_EXPORT_LEAD_IDS = 10_000;
export const MAX_EXPORT_REJECTED = 100;

/** `ingestion.rejected.export`: refused requests tied to a person by their content (the email or phone of their leads). */
export class RejectedExportRequest {
  @IsString()
  @Length(1, 64)
  workspaceId!: string;

  @IsArray()
  @ArrayMaxSize(MAX_EXPORT_LEAD_IDS)
  @IsUUID('all', { each: true })
  leadIds!: string[];
}

/** A refused request as kept for audit (its body cut to `MAX_REJECTED_BODY_BYTES` when it was stored). */
export interface RejectedRequestExport {
  id: string;
  source: string;
  receivedAt: string;
  reason: string;
  contentType: string;
  headers: Record<string, unknown>;
  remoteAddress: string | null;
  body: string;
  bodyBytes: number;
  truncated: boolean;
}

export interface RejectedExportReply {
  rejectedRequests: RejectedRequestExport[];
}

/** The leads a single `ingestion.lead.export` call carries at most (bodies are cut to `MAX_EXPORT_BODY_BYTES`). */
export const MAX_EXPORT_LEADS_PER_CALL = 10;
export const MAX_EXPORT_BODY_BYTES = 64 * 1024;

/** What contacts holds of one person. */
export interface ContactExport {
  contact: Record<string, unknown>;
  identities: Array<{ kind: IdentityKind; value: string; createdAt: string }>;
  leadIds: string[];
  mergedContacts: Array<Record<string, unknown>>;
  erasure: ErasureRecord | null;
  /** The person's opportunities (of the contact or those merged into it), as rows, with their stage moves. */
  opportunities: Array<Record<string, unknown>>;
  /** The conversions of the person's leads, as rows. */
  conversions: Array<Record<string, unknown>>;
  /** Import rows that named the person (duplicates of the contact, or rows holding its email or phone). */
  importRows: Array<Record<string, unknown>>;
}

/** What scoring holds of one contact: its score, stage and history (ids, points, dimensions). */
export interface ScoreExport {
  contactId: string;
  score: Record<string, unknown> | null;
  history: Array<Record<string, unknown>>;
}

/** The document `GET /api/v1/contacts/:id/export` answers. */
export interface PersonExport {
  exportedAt: string;
  workspaceId: string;
  contactId: string;
  contacts: ContactExport;
  ingestion: { leads: LeadExport[]; rejectedRequests: RejectedRequestExport[] };
  scoring: ScoreExport;
  /** The gateway's audit entries about the contact. */
  gateway: { audit: Array<Record<string, unknown>> };
  /** Apps that hold nothing about a person (aggregate counters only), and why they were not asked. */
  notHeld: Record<string, string>;
}

export const SUPPRESSION_REASONS = ['manual', 'erasure'] as const;
export type SuppressionReason = (typeof SUPPRESSION_REASONS)[number];

/**
 * What a suppression names: an email or phone, or (added by erasures only) a tracker's visitor id
 * or the sender's own user id of an erased person, hashed in the same `<kind>:<value>` form.
 */
export const SUPPRESSION_KINDS = [...IDENTITY_KINDS, 'anonymous_id', 'user_id'] as const;
export type SuppressionKind = (typeof SUPPRESSION_KINDS)[number];

export interface SuppressionView {
  id: string;
  kind: SuppressionKind;
  hash: string;
  reason: SuppressionReason;
  erasureId: string | null;
  createdBy: string;
  createdAt: string;
}

/** `ingestion.suppression.add`: an identity hash (the gateway hashes clear values before sending). */
export class AddSuppressionRequest {
  @IsString()
  @Length(1, 64)
  workspaceId!: string;

  @IsIn(IDENTITY_KINDS)
  kind!: IdentityKind;

  @Matches(IDENTITY_HASH_PATTERN, { message: 'hash must be a sha256 in lower-case hex' })
  hash!: string;

  @IsString()
  @Length(1, 200)
  createdBy!: string;
}

export interface AddSuppressionReply {
  suppression: SuppressionView;
  /** False when the identity was suppressed already: that suppression is answered. */
  created: boolean;
}

export class SuppressionListRequest {
  @IsString()
  @Length(1, 64)
  workspaceId!: string;

  @IsInt()
  @Min(1)
  @Max(MAX_PAGE_SIZE)
  limit!: number;

  @IsOptional()
  @IsUUID()
  cursor?: string;
}
