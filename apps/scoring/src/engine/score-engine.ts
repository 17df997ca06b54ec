import type { Stage } from '@leadflow/contracts';

/**
 * Scoring as a pure function: a contact's history, score and stage transitions from its activities
 * and a rule set, nothing else (decay also reads the time of evaluation, `asOf`).
 *
 * - Activities are taken in order of `occurredAt`, ties broken by activity id (plain code-unit
 *   order, as PostgreSQL's `COLLATE "C"`), so any arrival order gives the same result.
 * - For each activity, every active rule whose event and conditions match fires: engagement rules,
 *   then fit rules, each in rule id order.
 * - A `fit` rule fires at most once per contact (on the first matching activity); an `engagement`
 *   rule fires on every matching activity.
 * - Caps bound what a contact earns: `cap` is the most points one rule gives one contact, a group's
 *   cap (the smallest `groupCap` stated by a rule of that group) the most points all rules of the
 *   group give one contact. Caps bound positive points only; a negative rule always applies.
 * - Decay: `halve` loses `percent` % of the row's remaining points every `everyDays` days (rounded
 *   toward zero, until nothing is left); `expire` takes all of it back after `afterDays` days. Each
 *   step is its own history row, dated when it happens, and only steps at or before `asOf` count:
 *   evaluating later gives a lower (or equal) score, evaluating at the same `asOf` the same one.
 * - Every change is a row naming its rule and points; the score is the sum of the rows.
 */

export type RuleKind = 'fit' | 'engagement';
export const RULE_KINDS: readonly RuleKind[] = ['fit', 'engagement'];

export type ConditionOp = 'equals' | 'in' | 'exists' | 'gt' | 'gte' | 'lt' | 'lte';
export const CONDITION_OPS: readonly ConditionOp[] = ['equals', 'in', 'exists', 'gt', 'gte', 'lt', 'lte'];

/** A test on the activity: `path` is `properties.<key>` or `traits.<key>` (dots reach deeper). */
export interface RuleCondition {
  path: string;
  op: ConditionOp;
  /** For `equals` a scalar, for `in` a list, for comparisons a number, for `exists` a boolean (default true). */
  value?: unknown;
}

export type RuleDecay = { type: 'halve'; percent: number; everyDays: number } | { type: 'expire'; afterDays: number };

export interface EngineRule {
  id: string;
  kind: RuleKind;
  /** The activity's event name that the rule matches; `*` matches any. */
  event: string;
  conditions: readonly RuleCondition[];
  points: number;
  active: boolean;
  /** The most points this rule gives one contact. */
  cap?: number | null;
  group?: string | null;
  /** The most points the rules of `group` give one contact. */
  groupCap?: number | null;
  decay?: RuleDecay | null;
}

export interface EngineActivity {
  activityId: string;
  /** Event name: `page_view`, `signup`, `lead_submitted`, … */
  event: string;
  occurredAt: string;
  properties: Record<string, unknown>;
  traits: Record<string, unknown>;
}

/** Lowest score of warm, hot and qualified; below `warm` is cold. */
export interface StageThresholds {
  warm: number;
  hot: number;
  qualified: number;
}

export const DEFAULT_STAGE_THRESHOLDS: StageThresholds = { warm: 20, hot: 50, qualified: 100 };

export type RowReason = 'award' | 'decay' | 'expiry';

export interface EngineHistoryRow {
  activityId: string;
  event: string;
  ruleId: string;
  kind: RuleKind;
  reason: RowReason;
  points: number;
  /** ISO time the change happened: the activity's time, or the decay step's. */
  at: string;
  /** The score after this row. */
  score: number;
}

export interface StageTransition {
  at: string;
  activityId: string;
  from: Stage | null;
  to: Stage;
  score: number;
}

export interface EngineResult {
  score: number;
  fit: number;
  engagement: number;
  stage: Stage;
  history: EngineHistoryRow[];
  transitions: StageTransition[];
}

const DAY_MS = 86_400_000;

export function stageFor(score: number, thresholds: StageThresholds = DEFAULT_STAGE_THRESHOLDS): Stage {
  if (score >= thresholds.qualified) return 'qualified';
  if (score >= thresholds.hot) return 'hot';
  if (score >= thresholds.warm) return 'warm';
  return 'cold';
}

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** The activities in scoring order: by time, ties by activity id. */
export function orderActivities<T extends Pick<EngineActivity, 'activityId' | 'occurredAt'>>(activities: readonly T[]): T[] {
  return timed(activities).map(({ activity }) => activity);
}

/** The activities in scoring order, each with its time parsed once. */
function timed<T extends Pick<EngineActivity, 'activityId' | 'occurredAt'>>(
  activities: readonly T[],
): Array<{ activity: T; time: number }> {
  return activities
    .map((activity) => ({ activity, time: Date.parse(activity.occurredAt) }))
    .sort((a, b) => a.time - b.time || compareText(a.activity.activityId, b.activity.activityId));
}

function valueAt(activity: EngineActivity, path: string): unknown {
  const [root, ...keys] = path.split('.');
  let current: unknown = root === 'properties' ? activity.properties : root === 'traits' ? activity.traits : undefined;
  for (const key of keys) {
    if (current === null || typeof current !== 'object' || Array.isArray(current)) return undefined;
    current = (current as Record<string, unknown>)[key];
  }
  return current;
}

function asNumber(value: unknown): number | undefined {
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  if (typeof value === 'string' && value.trim() !== '' && Number.isFinite(Number(value))) return Number(value);
  return undefined;
}

export function conditionHolds(activity: EngineActivity, condition: RuleCondition): boolean {
  const actual = valueAt(activity, condition.path);
  switch (condition.op) {
    case 'exists':
      return (actual !== undefined && actual !== null) === (condition.value !== false);
    case 'equals':
      return actual === condition.value;
    case 'in':
      return Array.isArray(condition.value) && condition.value.some((v) => v === actual);
    default: {
      const left = asNumber(actual);
      const right = asNumber(condition.value);
      if (left === undefined || right === undefined) return false;
      if (condition.op === 'gt') return left > right;
      if (condition.op === 'gte') return left >= right;
      if (condition.op === 'lt') return left < right;
      return left <= right;
    }
  }
}

export function ruleMatches(rule: EngineRule, activity: EngineActivity): boolean {
  return rule.active && (rule.event === '*' || rule.event === activity.event) && rule.conditions.every((c) => conditionHolds(activity, c));
}

/** The decay steps of an awarded row as (time, points) changes, up to `asOf`. */
function decaySteps(
  points: number,
  awardedAt: number,
  decay: RuleDecay,
  asOf: number,
): Array<{ at: number; points: number; reason: RowReason }> {
  if (decay.type === 'expire') {
    const at = awardedAt + decay.afterDays * DAY_MS;
    return at <= asOf && points !== 0 ? [{ at, points: -points, reason: 'expiry' }] : [];
  }
  const steps: Array<{ at: number; points: number; reason: RowReason }> = [];
  let remaining = points;
  for (let k = 1; remaining !== 0; k += 1) {
    const at = awardedAt + k * decay.everyDays * DAY_MS;
    if (at > asOf) break;
    const next = Math.trunc(remaining * (1 - decay.percent / 100));
    if (next === remaining) break;
    steps.push({ at, points: next - remaining, reason: 'decay' });
    remaining = next;
  }
  return steps;
}

/** One change the rules make, in the order they make it (awards by activity, each followed by its decay steps). */
type Emit = (activity: EngineActivity, rule: EngineRule, reason: RowReason, points: number, time: number) => void;

/**
 * Walks the activities in scoring order and emits every award, each followed by its decay steps up
 * to `asOf` (ms): the one pass both the full evaluation and the score alone come from.
 */
function applyRules(activities: readonly EngineActivity[], rules: readonly EngineRule[], asOf: number, emit: Emit): void {
  // An activity's engagement rows come before the fit rules it earns, each part in rule id order.
  const sortedRules = [...rules]
    .filter((r) => r.active)
    .sort((a, b) => (a.kind === b.kind ? compareText(a.id, b.id) : a.kind === 'engagement' ? -1 : 1));
  const groupCaps = new Map<string, number>();
  for (const rule of sortedRules) {
    if (rule.group && rule.groupCap !== undefined && rule.groupCap !== null) {
      groupCaps.set(rule.group, Math.min(groupCaps.get(rule.group) ?? Number.POSITIVE_INFINITY, rule.groupCap));
    }
  }
  const earnedByRule = new Map<string, number>();
  const earnedByGroup = new Map<string, number>();
  const fitDone = new Set<string>();
  for (const { activity, time } of timed(activities)) {
    for (const rule of sortedRules) {
      if (rule.kind === 'fit' && fitDone.has(rule.id)) continue;
      if (!ruleMatches(rule, activity)) continue;
      if (rule.kind === 'fit') fitDone.add(rule.id);
      let points = rule.points;
      if (points > 0) {
        const ruleRoom = rule.cap === undefined || rule.cap === null ? points : rule.cap - (earnedByRule.get(rule.id) ?? 0);
        const groupCap = rule.group ? groupCaps.get(rule.group) : undefined;
        const groupRoom = groupCap === undefined ? points : groupCap - (earnedByGroup.get(rule.group as string) ?? 0);
        points = Math.max(0, Math.min(points, ruleRoom, groupRoom));
      }
      if (points === 0) continue;
      earnedByRule.set(rule.id, (earnedByRule.get(rule.id) ?? 0) + points);
      if (rule.group) earnedByGroup.set(rule.group, (earnedByGroup.get(rule.group) ?? 0) + points);
      emit(activity, rule, 'award', points, time);
      if (rule.decay)
        for (const step of decaySteps(points, time, rule.decay, asOf)) emit(activity, rule, step.reason, step.points, step.at);
    }
  }
}

function asOfMs(asOf: string | undefined): number {
  return asOf === undefined ? Number.NEGATIVE_INFINITY : Date.parse(asOf);
}

/**
 * Scores a contact: see the module comment. `asOf` (ISO) is the time of evaluation, for decay;
 * without it no decay step counts.
 */
export function scoreContact(
  activities: readonly EngineActivity[],
  rules: readonly EngineRule[],
  options: { thresholds?: StageThresholds; asOf?: string } = {},
): EngineResult {
  const thresholds = options.thresholds ?? DEFAULT_STAGE_THRESHOLDS;
  // Awards first, each with its decay steps; then everything in time order.
  type Change = Omit<EngineHistoryRow, 'score'> & { time: number; seq: number };
  const changes: Change[] = [];
  applyRules(activities, rules, asOfMs(options.asOf), (activity, rule, reason, points, time) => {
    changes.push({
      activityId: activity.activityId,
      event: activity.event,
      ruleId: rule.id,
      kind: rule.kind,
      reason,
      points,
      at: reason === 'award' ? activity.occurredAt : new Date(time).toISOString(),
      time,
      seq: changes.length,
    });
  });
  // Stable: same time keeps award order, and a decay step sorts after the awards it follows.
  changes.sort((a, b) => a.time - b.time || a.seq - b.seq);

  const history: EngineHistoryRow[] = [];
  const transitions: StageTransition[] = [];
  let score = 0;
  let fit = 0;
  let stage: Stage | null = null;
  changes.forEach((change, i) => {
    score += change.points;
    if (change.kind === 'fit') fit += change.points;
    history.push({
      activityId: change.activityId,
      event: change.event,
      ruleId: change.ruleId,
      kind: change.kind,
      reason: change.reason,
      points: change.points,
      at: change.at,
      score,
    });
    // The stage moves once all changes of one moment (one activity, or one decay instant) applied.
    const next = changes[i + 1];
    if (next && next.time === change.time && next.activityId === change.activityId) return;
    const to = stageFor(score, thresholds);
    if (to !== stage) {
      transitions.push({ at: change.at, activityId: change.activityId, from: stage, to, score });
      stage = to;
    }
  });
  return { score, fit, engagement: score - fit, stage: stage ?? stageFor(score, thresholds), history, transitions };
}

/**
 * The score and stage `scoreContact` gives, without its history: the stage always follows the
 * last change, so it is the final score's.
 */
export function scoreOnly(
  activities: readonly EngineActivity[],
  rules: readonly EngineRule[],
  options: { thresholds?: StageThresholds; asOf?: string } = {},
): { score: number; stage: Stage } {
  let score = 0;
  applyRules(activities, rules, asOfMs(options.asOf), (_activity, _rule, _reason, points) => {
    score += points;
  });
  return { score, stage: stageFor(score, options.thresholds ?? DEFAULT_STAGE_THRESHOLDS) };
}

/** The rules a workspace starts with. Ids are stable names, so history rows stay readable. */
export const DEFAULT_RULES: readonly EngineRule[] = [
  { id: 'page_view', kind: 'engagement', event: 'page_view', conditions: [], points: 5, active: true },
  { id: 'signup', kind: 'engagement', event: 'signup', conditions: [], points: 20, active: true },
  { id: 'download', kind: 'engagement', event: 'download', conditions: [], points: 10, active: true },
  { id: 'demo_request', kind: 'engagement', event: 'demo_request', conditions: [], points: 50, active: true },
  { id: 'contract_signed', kind: 'engagement', event: 'contract_signed', conditions: [], points: 100, active: true },
  { id: 'lead_submitted', kind: 'engagement', event: 'lead_submitted', conditions: [], points: 10, active: true },
  {
    id: 'fit_valid_email',
    kind: 'fit',
    event: '*',
    conditions: [{ path: 'traits.emailValid', op: 'equals', value: true }],
    points: 5,
    active: true,
  },
  {
    id: 'fit_valid_phone',
    kind: 'fit',
    event: '*',
    conditions: [{ path: 'traits.phoneValid', op: 'equals', value: true }],
    points: 5,
    active: true,
  },
];
