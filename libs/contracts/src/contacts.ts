import type { Stage } from './scoring';

export const LIFECYCLES = ['lead', 'contact', 'customer'] as const;
export type Lifecycle = (typeof LIFECYCLES)[number];

/** Custom properties are a JSON object of at most this many bytes, serialized. */
export const MAX_CONTACT_PROPERTIES_BYTES = 16 * 1024;
export const MAX_CONTACT_TAGS = 50;
export const MAX_CONTACT_TAG_LENGTH = 64;

/** How a contact list may be sorted; without `sort` it is newest first by id. */
export const CONTACT_SORTS = ['createdAt', 'updatedAt', 'lastName'] as const;
export type ContactSort = (typeof CONTACT_SORTS)[number];

export interface ContactSummary {
  id: string;
  /** Bumped by every write, from an admin or from the pipeline; the ETag is `"<version>"`. */
  version: number;
  email: string | null;
  phone: string | null;
  firstName: string | null;
  lastName: string | null;
  company: string | null;
  title: string | null;
  country: string | null;
  /** An admin account of the workspace. */
  ownerId: string | null;
  tags: string[];
  lifecycle: Lifecycle;
  /** The contact's score stage as scoring last announced it (`stage.changed`); null before the first. */
  stage: Stage | null;
  createdAt: string;
  /** The last write to the contact's own fields; a copied stage change bumps the version, not this. */
  updatedAt: string;
  /** Set while the contact is soft-deleted. */
  deletedAt: string | null;
}

export interface ContactView extends ContactSummary {
  workspaceId: string;
  /** Every email and E.164 phone that identifies this contact (merges add to them). */
  emails: string[];
  phones: string[];
  leadIds: string[];
  /** Contacts merged into this one. */
  mergedIds: string[];
  properties: Record<string, unknown>;
  /** What could not be parsed of the values the contact was given. */
  parseIssues: unknown[];
  /** `account:<id>` or `key:<id>`; null when the pipeline made or changed it. */
  createdBy: string | null;
  updatedBy: string | null;
}

export interface ContactListQuery {
  workspaceId: string;
  limit: number;
  /** Without `sort`: the last id of the previous page; with it, the page's opaque cursor. */
  cursor?: string;
  /** Normalized (trimmed, lower-cased) email. */
  email?: string;
  /** E.164 phone. */
  phone?: string;
  ownerId?: string;
  tag?: string;
  stage?: Stage;
  lifecycle?: Lifecycle;
  /** ISO instant: contacts updated at or after it. */
  updatedSince?: string;
  /** Free text, matched against first and last name and company. */
  q?: string;
  sort?: ContactSort;
  order?: 'asc' | 'desc';
  includeDeleted?: boolean;
}

/** The fields an admin sets on a contact. On PUT and POST an absent field is empty (or its default). */
export interface ContactFields {
  firstName?: string | null;
  lastName?: string | null;
  company?: string | null;
  title?: string | null;
  country?: string | null;
  email?: string | null;
  phone?: string | null;
  ownerId?: string | null;
  tags?: string[] | null;
  lifecycle?: Lifecycle | null;
  properties?: Record<string, unknown> | null;
}

/** Who writes: `account:<id>` or `key:<id>`, from the gateway's principal. */
export interface ContactWriteBase {
  workspaceId: string;
  actor: string;
}

export interface ContactCreateRequest extends ContactWriteBase {
  fields: ContactFields;
}

/** A write to an existing contact, allowed only while its version is one of `ifMatch`. */
export interface ContactVersionedRequest extends ContactWriteBase {
  id: string;
  ifMatch: number[];
}

export interface ContactReplaceRequest extends ContactVersionedRequest {
  fields: ContactFields;
}

/** An RFC 7396 JSON Merge Patch of the contact's fields: null removes, objects merge. */
export interface ContactPatchRequest extends ContactVersionedRequest {
  patch: Record<string, unknown>;
}

/**
 * The answer to a write. A conflict is an answer, not an error, because it carries data the
 * gateway shows: the current representation (412) or the contact holding the identity (409).
 */
export type ContactWriteReply =
  | { outcome: 'written'; contact: ContactView; before: ContactView | null }
  | { outcome: 'unchanged'; contact: ContactView }
  | { outcome: 'version_conflict'; current: ContactView }
  | { outcome: 'identity_conflict'; kind: 'email' | 'phone'; value: string; contactId: string };

export interface ContactLeadsQuery {
  workspaceId: string;
  id: string;
  limit: number;
  cursor?: string;
}

export interface ContactLeadEntry {
  leadId: string;
  receivedAt: string;
  attributedAt: string;
}

export interface LeadContactReply {
  contactId: string | null;
}
