import type { Stage } from './scoring';

export interface LeadsReportQuery {
  workspaceId: string;
  /** YYYY-MM-DD, UTC, inclusive. */
  from: string;
  /** YYYY-MM-DD, UTC, inclusive. */
  to: string;
  source?: string;
  offer?: string;
  country?: string;
}

interface LeadsReportBase {
  from: string;
  to: string;
  filters: { source?: string; offer?: string; country?: string };
  /** Always the sum of `breakdown`. */
  total: number;
  newContacts: number;
  returningContacts: number;
  stageEntries: Record<Stage, number>;
}

export interface LeadsSummaryReport extends LeadsReportBase {
  breakdown: Array<{ source: string; count: number }>;
}

export interface LeadsDailyReport extends LeadsReportBase {
  breakdown: Array<{ date: string; count: number }>;
}

export interface LeadsWeeklyReport extends LeadsReportBase {
  /** Weeks start on Monday (UTC). */
  breakdown: Array<{ weekStart: string; count: number }>;
}

/** Longest range a report covers. */
export const MAX_REPORT_DAYS = 1000;

export interface ContactsReportQuery {
  workspaceId: string;
  /** YYYY-MM-DD, UTC, inclusive. */
  from: string;
  /** YYYY-MM-DD, UTC, inclusive. */
  to: string;
}

export interface ContactCounts {
  /** Contacts made, by leads or by admins (`contact.created`). */
  created: number;
  deleted: number;
  restored: number;
}

/** Contact records per UTC day (every day of the range, zero-filled); `total` is always the sum of `breakdown`. */
export interface ContactsDailyReport {
  from: string;
  to: string;
  total: ContactCounts;
  breakdown: Array<{ date: string } & ContactCounts>;
}

export interface ActivityReportQuery {
  workspaceId: string;
  /** YYYY-MM-DD, UTC, inclusive. */
  from: string;
  /** YYYY-MM-DD, UTC, inclusive. */
  to: string;
}

/** Counts per stage: entries into it, or contacts reaching it for the first time. */
export type StageCounts = Record<Stage, number>;

/** Activity metrics of one UTC day, or of the whole range (`total`). */
export interface ActivityCounts {
  /** Activities attributed to a contact, all names together: always the sum of `byName`. */
  events: number;
  /** Activities per event name (`page_view`, `signup`, …), on the UTC day they occurred. */
  byName: Record<string, number>;
  /** Stage changes into each stage (`stage.changed`), on the day of the change. */
  stageEntries: StageCounts;
  /**
   * The funnel cold → warm → hot → qualified: contacts that reached each stage (or passed it on
   * the way up) for the first time that day. Over any range, cold ≥ warm ≥ hot ≥ qualified.
   */
  funnel: StageCounts;
}

/** Activity metrics per UTC day (every day of the range, zero-filled); `total` is always the sum of `breakdown`. */
export interface ActivityDailyReport {
  from: string;
  to: string;
  total: ActivityCounts;
  breakdown: Array<{ date: string } & ActivityCounts>;
}
