export interface ContactSummary {
  id: string;
  email: string | null;
  phone: string | null;
  firstName: string | null;
  lastName: string | null;
  country: string | null;
  createdAt: string;
  updatedAt: string;
}

export interface ContactView extends ContactSummary {
  workspaceId: string;
  /** Every email and E.164 phone that identifies this contact (merges add to them). */
  emails: string[];
  phones: string[];
  leadIds: string[];
  /** Contacts merged into this one. */
  mergedIds: string[];
}

export interface ContactListQuery {
  workspaceId: string;
  limit: number;
  cursor?: string;
  /** Normalized (trimmed, lower-cased) email. */
  email?: string;
  /** E.164 phone. */
  phone?: string;
}

export interface LeadContactReply {
  contactId: string | null;
}
