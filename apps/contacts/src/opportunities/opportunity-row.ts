/** An opportunity as the repository reads it: bigint columns as text, the date as `YYYY-MM-DD`. */
export interface OpportunityRow {
  id: string;
  workspace_id: string;
  name: string;
  contact_id: string;
  lead_id: string | null;
  origin_lead_id: string | null;
  amount: string;
  currency: string;
  pipeline_id: string;
  stage: string;
  probability_override: number | null;
  expected_close_date: string | null;
  owner_id: string | null;
  closed_at: Date | null;
  lost_reason: string | null;
  version: string;
  created_at: Date;
  updated_at: Date;
  deleted_at: Date | null;
  created_by: string | null;
  updated_by: string | null;
}

/** What a write sets; the repository adds the version, times and deletion. */
export type OpportunityValues = Omit<OpportunityRow, 'version' | 'created_at' | 'updated_at' | 'deleted_at' | 'created_by' | 'updated_by'>;
