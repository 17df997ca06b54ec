import type { LeadIngestedData } from '@leadflow/contracts';
import { v7 as uuidv7 } from 'uuid';
import type { ContactRow } from './contact-row';

/** The parts of a lead a contact learns from. */
export type LeadFields = Pick<LeadIngestedData, 'email' | 'emailValid' | 'phone' | 'phoneValid' | 'firstName' | 'lastName' | 'country'>;

/**
 * A contact's email and phone are always identities of its own, so only valid values reach a
 * contact: an invalid one ("n/a", a number that cannot exist) identifies nobody and stays on its
 * lead, where the lead view shows it with its parse issue.
 */
function validEmail(lead: LeadFields): string | null {
  return lead.emailValid ? lead.email : null;
}

function validPhone(lead: LeadFields): string | null {
  return lead.phoneValid ? lead.phone : null;
}

/** A contact made from a lead, before it is inserted. */
export function newContactRow(workspaceId: string, lead: LeadFields): ContactRow {
  const now = new Date();
  return {
    id: uuidv7(),
    workspace_id: workspaceId,
    email: validEmail(lead),
    phone: validPhone(lead),
    first_name: lead.firstName,
    last_name: lead.lastName,
    country: lead.country,
    created_at: now,
    updated_at: now,
    merged_into: null,
  };
}

/** What a later lead of the same person adds to a contact: the fields it does not have yet. */
export function absorbInto(contact: ContactRow, lead: LeadFields): void {
  contact.email ??= validEmail(lead);
  contact.phone ??= validPhone(lead);
  contact.first_name ??= lead.firstName;
  contact.last_name ??= lead.lastName;
  contact.country ??= lead.country;
}
