import type { RuleKind } from '../rules/scoring-rule';

export interface HistoryRowKey {
  id: string;
  ruleKind: RuleKind;
  activityId: string;
  ruleId: string;
  at: Date;
}

/** What may appear once per contact: an activity (scored by its type's rule) or a fit rule. */
function onceKey(row: HistoryRowKey): string {
  return row.ruleKind === 'activity' ? `activity:${row.activityId}` : `fit:${row.ruleId}`;
}

/** Earliest first; ties broken by content, never by row id, so any arrival order picks the same row. */
function earlier(a: HistoryRowKey, b: HistoryRowKey): boolean {
  if (a.at.getTime() !== b.at.getTime()) return a.at.getTime() < b.at.getTime();
  if (a.activityId !== b.activityId) return a.activityId < b.activityId;
  if (a.ruleId !== b.ruleId) return a.ruleId < b.ruleId;
  return a.id < b.id;
}

/**
 * Rows to delete when two contacts' histories become one: of rows that may exist once per contact
 * (the same activity, or the same fit rule), the earliest is kept.
 */
export function redundantHistoryRows(rows: readonly HistoryRowKey[]): string[] {
  const kept = new Map<string, HistoryRowKey>();
  const redundant: string[] = [];
  for (const row of rows) {
    const key = onceKey(row);
    const current = kept.get(key);
    if (!current) {
      kept.set(key, row);
    } else if (earlier(row, current)) {
      redundant.push(current.id);
      kept.set(key, row);
    } else {
      redundant.push(row.id);
    }
  }
  return redundant;
}
