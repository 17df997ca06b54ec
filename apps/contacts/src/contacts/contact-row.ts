import type { Lifecycle, Stage } from '@leadflow/contracts';

/** A row of `contacts.contacts` as ContactsRepository reads it (its `CONTACT_COLUMNS`). */
export interface ContactRow {
  id: string;
  workspace_id: string;
  email: string | null;
  phone: string | null;
  first_name: string | null;
  last_name: string | null;
  country: string | null;
  created_at: Date;
  updated_at: Date;
  /** Set on a contact merged into another (a tombstone). */
  merged_into: string | null;
  /** bigint, as the driver returns it. */
  version: string;
  deleted_at: Date | null;
  /** Set when the person was erased (GDPR): the row is redacted and takes no more writes. */
  erased_at: Date | null;
  company: string | null;
  title: string | null;
  owner_id: string | null;
  tags: string[];
  lifecycle: Lifecycle;
  properties: Record<string, unknown>;
  parse_issues: unknown[];
  created_by: string | null;
  updated_by: string | null;
  stage: Stage | null;
  /** An anonymous profile: made from a tracker's anonymous id alone, no personal data. */
  anonymous: boolean;
}

/** The fields of a contact an admin sets (PUT, PATCH, POST), normalized. */
export interface ContactRecordFields {
  first_name: string | null;
  last_name: string | null;
  company: string | null;
  title: string | null;
  country: string | null;
  email: string | null;
  phone: string | null;
  owner_id: string | null;
  tags: string[];
  lifecycle: Lifecycle;
  properties: Record<string, unknown>;
  parse_issues: unknown[];
}
