/**
 * Opportunities (deals), the pipelines their stages belong to, and lead conversion: the views the
 * admin API shows and the commands the gateway sends to contacts. Amounts are `MoneyJson`
 * (minor units as a string); versions are the optimistic-concurrency counters behind ETags.
 */
import type { MoneyJson } from './money';

/** Where an opportunity stands, as its stage says: open, or closed as won or lost. */
export type OpportunityStatus = 'open' | 'won' | 'lost';

export interface PipelineStage {
  /** Stable key, e.g. `closed_won`: what an opportunity's `stage` names. */
  key: string;
  name: string;
  /** Percent, 0 to 100: an opportunity's probability unless it overrides it. */
  probability: number;
  closed: boolean;
  /** Only for a closed stage: true when closing there means won. */
  won: boolean;
}

export interface PipelineView {
  id: string;
  name: string;
  isDefault: boolean;
  stages: PipelineStage[];
  createdAt: string;
  updatedAt: string;
}

/** The default pipeline (HubSpot-like stages), made for a workspace when it first needs a pipeline. */
export const DEFAULT_PIPELINE_NAME = 'Sales pipeline';
export const DEFAULT_PIPELINE_STAGES: readonly PipelineStage[] = [
  { key: 'appointment_scheduled', name: 'Appointment scheduled', probability: 20, closed: false, won: false },
  { key: 'qualified_to_buy', name: 'Qualified to buy', probability: 40, closed: false, won: false },
  { key: 'presentation_scheduled', name: 'Presentation scheduled', probability: 60, closed: false, won: false },
  { key: 'decision_maker_bought_in', name: 'Decision maker bought in', probability: 80, closed: false, won: false },
  { key: 'contract_sent', name: 'Contract sent', probability: 90, closed: false, won: false },
  { key: 'closed_won', name: 'Closed won', probability: 100, closed: true, won: true },
  { key: 'closed_lost', name: 'Closed lost', probability: 0, closed: true, won: false },
];

export interface OpportunityView {
  id: string;
  name: string;
  contactId: string;
  leadId: string | null;
  amount: MoneyJson;
  /** The amount in major units with every decimal its currency has: "1299.00" EUR, "1299" JPY, "1.299" BHD. */
  amountMajor: string;
  pipelineId: string;
  stage: string;
  status: OpportunityStatus;
  /** The stage's probability, or the override. */
  probability: number;
  probabilityOverridden: boolean;
  /** YYYY-MM-DD. */
  expectedCloseDate: string | null;
  ownerId: string | null;
  closedAt: string | null;
  lostReason: string | null;
  version: number;
  createdAt: string;
  updatedAt: string;
  createdBy: string | null;
  updatedBy: string | null;
}

/** One move of an opportunity between stages; `reopened` when it left a closed stage for an open one. */
export interface StageMoveView {
  version: number;
  pipelineId: string;
  /** Null for the stage it was created in. */
  fromStage: string | null;
  toStage: string;
  reopened: boolean;
  at: string;
  by: string | null;
}

/** The fields a caller sets on an opportunity; on update, absent means unchanged and null clears. */
export interface OpportunityFields {
  name?: string;
  contactId?: string;
  leadId?: string | null;
  /** Checked by contacts (`Money.fromJSON`), so that each fault has its own code. */
  amount?: unknown;
  pipelineId?: string;
  stage?: string;
  /** null goes back to the stage's probability. */
  probability?: number | null;
  expectedCloseDate?: string | null;
  ownerId?: string | null;
  lostReason?: string | null;
}

export interface OpportunityCreateCommand {
  workspaceId: string;
  /** `key:<id>` or `account:<id>`: recorded as created/updated by. */
  actor: string;
  fields: OpportunityFields;
}

export interface OpportunityUpdateCommand {
  workspaceId: string;
  actor: string;
  id: string;
  /** The versions the caller's If-Match names (as for contacts); the write goes through only at one of them. */
  ifMatch: number[];
  fields: OpportunityFields;
}

export interface OpportunityDeleteCommand {
  workspaceId: string;
  actor: string;
  id: string;
  /** As for an update. */
  ifMatch: number[];
}

/**
 * A conditional write's outcome: done, or refused because the opportunity's version is not the
 * expected one (with the current representation, for the 412).
 */
export type OpportunityWriteReply =
  | { outcome: 'written'; opportunity: OpportunityView; before: OpportunityView | null }
  | { outcome: 'version_conflict'; current: OpportunityView };

export interface OpportunityListQuery {
  workspaceId: string;
  limit: number;
  cursor?: string;
  contactId?: string;
  pipelineId?: string;
  stage?: string;
  status?: OpportunityStatus;
}

export interface PipelineCreateCommand {
  workspaceId: string;
  name: string;
  stages: PipelineStage[];
}

export interface PipelineUpdateCommand {
  workspaceId: string;
  id: string;
  name?: string;
  stages?: PipelineStage[];
}

export interface PipelineWriteReply {
  pipeline: PipelineView;
  before: PipelineView | null;
}

/** `POST /api/v1/leads/:id/convert`, as the gateway sends it to contacts. */
export interface LeadConvertCommand {
  workspaceId: string;
  actor: string;
  leadId: string;
  idempotencyKey: string | null;
  /** The lead's source and offer, as ingestion stored them (for reports). */
  source: string;
  offer: string | null;
  /** An existing live contact; absent: the contact the pipeline attributed the lead to. */
  contactId?: string;
  opportunity?: OpportunityFields;
}

export interface LeadConversionView {
  leadId: string;
  contactId: string;
  /** The contact's lifecycle after the conversion (`contact`, or `customer` if it was one). */
  lifecycle: string;
  opportunity: OpportunityView | null;
  convertedAt: string;
}

export interface LeadConvertReply {
  conversion: LeadConversionView;
  /** True when the Idempotency-Key and body were seen before: nothing new was done. */
  replayed: boolean;
}

/** Deal reports of metrics. Amounts are minor units as strings; no total mixes currencies. */
export interface DealReportQuery {
  workspaceId: string;
}

export interface DealDailyReportQuery {
  workspaceId: string;
  /** YYYY-MM-DD, UTC, inclusive. */
  from: string;
  to: string;
}

export interface PipelineValueReport {
  /** Open opportunities per pipeline, stage and currency. */
  breakdown: Array<{ pipelineId: string; stage: string; currency: string; count: number; amount: string }>;
  /** Per currency: always the sum of the breakdown's rows of that currency. */
  totals: Array<{ currency: string; count: number; amount: string }>;
}

export interface ClosedDealsDailyReport {
  from: string;
  to: string;
  /** Per UTC day of closing and currency, only days with deals. */
  breakdown: Array<{ date: string; currency: string; wonCount: number; wonAmount: string; lostCount: number; lostAmount: string }>;
  /** Per currency: the sum of the breakdown. */
  totals: Array<{ currency: string; wonCount: number; wonAmount: string; lostCount: number; lostAmount: string }>;
}

export interface DealFunnelCounts {
  leads: number;
  /** Leads converted into contacts. */
  contacts: number;
  /** Live opportunities whose origin lead is of this group. */
  opportunities: number;
  won: number;
}

export interface DealFunnelReport {
  /** Per lead source and offer ('' when the lead had none or is unknown to metrics). */
  breakdown: Array<{ source: string; offer: string } & DealFunnelCounts>;
  /** The sum of the breakdown. */
  total: DealFunnelCounts;
}
