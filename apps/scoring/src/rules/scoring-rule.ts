/** A scoring rule as the `rules` table holds it, and what an activity earns under a set of rules. */

export type RuleKind = 'activity' | 'fit';

/** Facts about a contact that fit rules test; an activity carries those it knows. */
export const FitConditions = {
  emailValid: 'email_valid',
  phoneValid: 'phone_valid',
} as const;
export type FitCondition = (typeof FitConditions)[keyof typeof FitConditions];

export interface ScoringRule {
  id: string;
  kind: RuleKind;
  /** Set for `activity` rules: the activity type that earns the points, once per activity. */
  activityType: string | null;
  /** Set for `fit` rules: the condition that earns the points, once per contact. */
  condition: string | null;
  points: number;
}

export interface ActivityFacts {
  type: string;
  /** Conditions the activity shows to hold (or not); an absent one does not hold. */
  conditions: Partial<Record<FitCondition, boolean>>;
}

export interface RuleHit {
  ruleId: string;
  kind: RuleKind;
  points: number;
}

function isFitCondition(condition: string | null): condition is FitCondition {
  return (Object.values(FitConditions) as string[]).includes(condition ?? '');
}

/**
 * The rules an activity satisfies: the active rule of its type, and every fit rule whose condition
 * it shows. Whether a fit rule was already earned is the history's business (one row per contact).
 * Rules are listed in id order so the result does not depend on how the table returned them.
 */
export function rulesHitBy(rules: readonly ScoringRule[], activity: ActivityFacts): RuleHit[] {
  const hits: RuleHit[] = [];
  for (const rule of [...rules].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))) {
    const hit =
      rule.kind === 'activity'
        ? rule.activityType === activity.type
        : isFitCondition(rule.condition) && activity.conditions[rule.condition] === true;
    if (hit) hits.push({ ruleId: rule.id, kind: rule.kind, points: rule.points });
  }
  // The schema allows one active rule per activity type; should two slip through, the first wins
  // rather than the activity scoring twice.
  const firstActivity = hits.findIndex((h) => h.kind === 'activity');
  return hits.filter((h, i) => h.kind === 'fit' || i === firstActivity);
}
