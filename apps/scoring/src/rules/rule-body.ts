import { AppException, ErrorCodes, type ScoringRuleView } from '@leadflow/contracts';
import { CONDITION_OPS, RULE_KINDS, type RuleCondition, type RuleDecay, type StageThresholds } from '../engine/score-engine';
import type { StoredRule } from './rule.repository';

/** What a rule body may hold; the gateway checks types, this checks meaning. */
export interface RuleBody {
  id?: string;
  kind?: string;
  event?: string;
  conditions?: unknown;
  points?: number;
  cap?: number | null;
  group?: string | null;
  groupCap?: number | null;
  decay?: unknown;
  active?: boolean;
  description?: string | null;
}

const ID = /^[a-z0-9_]{1,64}$/;
const EVENT = /^(\*|[A-Za-z0-9_.:-]{1,64})$/;
const PATH = /^(properties|traits)(\.[A-Za-z0-9_-]{1,64}){1,5}$/;
const MAX_CONDITIONS = 20;
const MAX_POINTS = 100_000;

function invalid(message: string): never {
  throw new AppException(ErrorCodes.invalidRule, message);
}

function isInt(value: unknown, min: number, max: number): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= min && value <= max;
}

function parseCondition(raw: unknown, i: number): RuleCondition {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) invalid(`conditions[${i}] must be an object`);
  const { path, op, value } = raw as Record<string, unknown>;
  if (typeof path !== 'string' || !PATH.test(path)) invalid(`conditions[${i}].path must be properties.<key> or traits.<key>`);
  if (typeof op !== 'string' || !(CONDITION_OPS as readonly string[]).includes(op)) {
    invalid(`conditions[${i}].op must be one of ${CONDITION_OPS.join(', ')}`);
  }
  const scalar = (v: unknown) => v === null || ['string', 'number', 'boolean'].includes(typeof v);
  if (op === 'equals' && !scalar(value)) invalid(`conditions[${i}].value must be a string, number, boolean or null for equals`);
  if (op === 'in' && (!Array.isArray(value) || value.length === 0 || value.length > 100 || !value.every(scalar))) {
    invalid(`conditions[${i}].value must be a list of 1 to 100 scalars for in`);
  }
  if (op === 'exists' && value !== undefined && typeof value !== 'boolean') invalid(`conditions[${i}].value must be a boolean for exists`);
  if (['gt', 'gte', 'lt', 'lte'].includes(op) && (typeof value !== 'number' || !Number.isFinite(value))) {
    invalid(`conditions[${i}].value must be a number for ${op}`);
  }
  return value === undefined ? { path, op: op as RuleCondition['op'] } : { path, op: op as RuleCondition['op'], value };
}

function parseDecay(raw: unknown): RuleDecay | null {
  if (raw === null || raw === undefined) return null;
  if (typeof raw !== 'object' || Array.isArray(raw)) invalid('decay must be an object');
  const d = raw as Record<string, unknown>;
  if (d.type === 'halve' || d.type === 'decay') {
    if (!isInt(d.percent, 1, 100)) invalid('decay.percent must be an integer from 1 to 100');
    if (!isInt(d.everyDays, 1, 3650)) invalid('decay.everyDays must be an integer from 1 to 3650');
    return { type: 'halve', percent: d.percent, everyDays: d.everyDays };
  }
  if (d.type === 'expire') {
    if (!isInt(d.afterDays, 1, 3650)) invalid('decay.afterDays must be an integer from 1 to 3650');
    return { type: 'expire', afterDays: d.afterDays };
  }
  return invalid('decay.type must be halve or expire');
}

/** A whole rule from a body (a create, or a patch laid over `base`), or `invalid_rule`. */
export function ruleFromBody(body: RuleBody, base?: StoredRule): StoredRule {
  const merged = { ...(base ?? {}), ...Object.fromEntries(Object.entries(body).filter(([, v]) => v !== undefined)) } as Record<
    string,
    unknown
  >;
  const { id, kind, event, points } = merged;
  if (typeof id !== 'string' || !ID.test(id)) invalid('id must be 1 to 64 of a-z, 0-9 and _');
  if (typeof kind !== 'string' || !(RULE_KINDS as readonly string[]).includes(kind)) invalid('kind must be fit or engagement');
  if (typeof event !== 'string' || !EVENT.test(event)) invalid('event must be * or 1 to 64 letters, digits or _ . : -');
  if (!isInt(points, -MAX_POINTS, MAX_POINTS) || points === 0)
    invalid(`points must be a non-zero integer from -${MAX_POINTS} to ${MAX_POINTS}`);
  const rawConditions = merged.conditions ?? [];
  if (!Array.isArray(rawConditions) || rawConditions.length > MAX_CONDITIONS)
    invalid(`conditions must be a list of at most ${MAX_CONDITIONS}`);
  const conditions = rawConditions.map(parseCondition);
  const cap = merged.cap ?? null;
  if (cap !== null && !isInt(cap, 1, MAX_POINTS * 100)) invalid('cap must be a positive integer');
  const group = merged.group ?? null;
  if (group !== null && (typeof group !== 'string' || !ID.test(group))) invalid('group must be 1 to 64 of a-z, 0-9 and _');
  const groupCap = merged.groupCap ?? null;
  if (groupCap !== null && !isInt(groupCap, 1, MAX_POINTS * 100)) invalid('groupCap must be a positive integer');
  if (groupCap !== null && group === null) invalid('groupCap needs a group');
  if ((cap !== null || groupCap !== null) && points < 0) invalid('caps bound positive points: a negative rule takes none');
  const decay = parseDecay(merged.decay);
  const active = merged.active ?? true;
  if (typeof active !== 'boolean') invalid('active must be a boolean');
  const description = merged.description ?? null;
  if (description !== null && (typeof description !== 'string' || description.length > 500))
    invalid('description must be at most 500 characters');
  return {
    id,
    kind: kind as StoredRule['kind'],
    event,
    conditions,
    points,
    cap: cap as number | null,
    group: group as string | null,
    groupCap: groupCap as number | null,
    decay,
    active,
    description: description as string | null,
  };
}

export function ruleView(rule: StoredRule): ScoringRuleView {
  return {
    id: rule.id,
    kind: rule.kind,
    event: rule.event,
    conditions: rule.conditions.map((c) => ({ ...c })),
    points: rule.points,
    cap: rule.cap ?? null,
    group: rule.group ?? null,
    groupCap: rule.groupCap ?? null,
    decay: rule.decay ?? null,
    active: rule.active,
    description: rule.description,
  };
}

/** Thresholds from a body, or `invalid_thresholds`: integers with warm < hot < qualified. */
export function thresholdsFromBody(body: Partial<StageThresholds>): StageThresholds {
  const { warm, hot, qualified } = body;
  if (!isInt(warm, -MAX_POINTS, MAX_POINTS) || !isInt(hot, -MAX_POINTS, MAX_POINTS) || !isInt(qualified, -MAX_POINTS, MAX_POINTS)) {
    throw new AppException(ErrorCodes.invalidThresholds, 'warm, hot and qualified must be integers');
  }
  if (!(warm < hot && hot < qualified))
    throw new AppException(ErrorCodes.invalidThresholds, 'thresholds must rise: warm < hot < qualified');
  return { warm, hot, qualified };
}
