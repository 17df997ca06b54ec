/** The CRM event log's settings, from the app's environment. */
export interface CrmEventOptions {
  retentionMonths: number;
  partitionsAheadMonths: number;
  maxAttempts: number;
  retryBaseMs: number;
  rejectedCap: number;
}

export const CRM_EVENT_OPTIONS = Symbol('CRM_EVENT_OPTIONS');
