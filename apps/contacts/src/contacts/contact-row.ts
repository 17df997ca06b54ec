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
}
