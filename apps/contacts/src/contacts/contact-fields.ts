import type { LeadIngestedData } from '@leadflow/contracts';
import { v7 as uuidv7 } from 'uuid';
import type { ContactRow } from './contact-row';
import type { Identity } from './identity';

/** The parts of a lead a contact learns from besides its identities. */
export type LeadFields = Pick<LeadIngestedData, 'firstName' | 'lastName' | 'country'>;

/**
 * A contact's email and phone are always identities of its own (PostgreSQL refuses anything
 * else), so they are taken from the lead's identities (`identitiesOf`): an invalid value ("n/a", a
 * number that cannot exist) identifies nobody and stays on its lead, with its parse issue.
 */
function valueOf(identities: readonly Identity[], kind: Identity['kind']): string | null {
  return identities.find((identity) => identity.kind === kind)?.value ?? null;
}

/** A contact made from a lead, before it is inserted (its times are set by the insert). */
export function newContactRow(workspaceId: string, lead: LeadFields, identities: readonly Identity[]): ContactRow {
  const now = new Date();
  return {
    id: uuidv7(),
    workspace_id: workspaceId,
    email: valueOf(identities, 'email'),
    phone: valueOf(identities, 'phone'),
    first_name: lead.firstName,
    last_name: lead.lastName,
    country: lead.country,
    created_at: now,
    updated_at: now,
    merged_into: null,
    version: '1',
    deleted_at: null,
    erased_at: null,
    company: null,
    title: null,
    owner_id: null,
    tags: [],
    lifecycle: 'lead',
    properties: {},
    parse_issues: [],
    created_by: null,
    updated_by: null,
    stage: null,
    anonymous: false,
  };
}

/** What a later lead of the same person adds to a contact: the fields it does not have yet. */
export function absorbInto(contact: ContactRow, lead: LeadFields, identities: readonly Identity[]): void {
  contact.email ??= valueOf(identities, 'email');
  contact.phone ??= valueOf(identities, 'phone');
  contact.first_name ??= lead.firstName;
  contact.last_name ??= lead.lastName;
  contact.country ??= lead.country;
}
