import { getMetadataStorage, type ValidationArguments, ValidationTypes } from 'class-validator';

/** One rule of a class, as class-validator's storage holds it. */
type Rule = Parameters<ReturnType<typeof getMetadataStorage>['addValidationMetadata']>[0];

/** Whether one object meets every rule of its class. */
type Check = (object: Record<string, unknown>) => boolean;

/** One property's rules: the conditions that let them run, the constraints to call, and whether its value is nested objects. */
interface PropertyRules {
  name: string;
  conditions: Array<(object: object, value: unknown) => boolean>;
  constraints: Array<{ rule: Rule; validate: (value: unknown, args: ValidationArguments) => unknown }>;
  nested: boolean;
}

/** Checks compiled per class; null for a class whose rules this check does not cover. */
let compiled = new Map<object, Check | null>();

const ruleListeners: Array<() => void> = [];

/**
 * Calls `listener` whenever a class-validator rule is added (a class loaded later), before the rule
 * is stored: what is remembered of the rules is to be forgotten then. One hook on class-validator's
 * storage serves every listener.
 */
export function onRulesAdded(listener: () => void): void {
  if (ruleListeners.length === 0) {
    const storage = getMetadataStorage();
    const add = storage.addValidationMetadata.bind(storage);
    storage.addValidationMetadata = (rule: Rule) => {
      for (const forget of ruleListeners) forget();
      add(rule);
    };
  }
  ruleListeners.push(listener);
}

let watching = false;

/**
 * Whether `object` meets every class-validator rule of its class, found with no more work than
 * calling each rule: the same rules in the same order as class-validator's `validateSync` (with no
 * groups and no skip or whitelist options), but without building the error objects and messages
 * for every property of every object. False means "not known to pass": the object breaks a rule,
 * or its class has rules this check does not cover (asynchronous validation, or no rules at all,
 * which class-validator refuses as an unknown value). The caller then runs `validateSync`,
 * which gives the verdict and the messages, so the two can never disagree on an object let through.
 * `@ValidateNested()` is covered: the value (or each item of an array, set or map) must be an
 * object that passes the rules of its own class, as class-validator has it.
 */
export function passesRules(object: object): boolean {
  const type = object.constructor;
  let check = compiled.get(type);
  if (check === undefined) {
    watchNewRules();
    check = compile(type);
    compiled.set(type, check);
  }
  return check !== null && check(object as Record<string, unknown>);
}

function compile(type: object): Check | null {
  const storage = getMetadataStorage();
  const rules = storage.getTargetValidationMetadatas(type as new () => object, undefined as unknown as string, false, false);
  if (rules.length === 0) return null;
  const properties: PropertyRules[] = [];
  for (const [name, ofProperty] of Object.entries(storage.groupByPropertyName(rules))) {
    const property: PropertyRules = { name, conditions: [], constraints: [], nested: false };
    // class-validator runs IS_DEFINED rules first, then the others, once the conditions hold.
    const ordered = [
      ...ofProperty.filter((r) => r.type === ValidationTypes.IS_DEFINED),
      ...ofProperty.filter((r) => r.type !== ValidationTypes.IS_DEFINED),
    ];
    for (const rule of ordered) {
      if (rule.type === ValidationTypes.WHITELIST) continue;
      if (rule.type === ValidationTypes.CONDITIONAL_VALIDATION) {
        property.conditions.push(rule.constraints[0] as (object: object, value: unknown) => boolean);
        continue;
      }
      if (rule.type === ValidationTypes.NESTED_VALIDATION) {
        property.nested = true;
        continue;
      }
      if (rule.type !== ValidationTypes.CUSTOM_VALIDATION && rule.type !== ValidationTypes.IS_DEFINED) return null;
      for (const constraint of storage.getTargetValidatorConstraints(rule.constraintCls)) {
        if (constraint.async) return null;
        const instance = constraint.instance as { validate: (value: unknown, args: ValidationArguments) => unknown };
        const validate = instance.validate.bind(instance);
        property.constraints.push({ rule, validate: shortcut(rule, validate) ?? validate });
      }
    }
    properties.push(property);
  }
  return (object) => properties.every((property) => propertyPasses(object, property));
}

/**
 * The same verdict as class-validator's own constraint, without the garbage it makes on the common
 * path, for the two rules every event checks on many strings:
 * - `@MaxLength(max)` counts the code points of the string with two regular-expression matches: a
 *   string of at most `max` UTF-16 units has at most `max` code points and passes without them;
 * - `@Matches(pattern)` with a regular expression that is neither global nor sticky asks
 *   `string.match`, whose answer `test` gives without building the match.
 * Undefined for every other rule.
 */
function shortcut(rule: Rule, validate: (value: unknown, args: ValidationArguments) => unknown) {
  const [first, second] = (rule.constraints ?? []) as unknown[];
  if (rule.name === 'maxLength' && typeof first === 'number') {
    return (value: unknown, args: ValidationArguments) => (typeof value === 'string' && value.length <= first) || validate(value, args);
  }
  if (rule.name === 'matches' && first instanceof RegExp && !first.global && !first.sticky && second === undefined) {
    return (value: unknown) => typeof value === 'string' && first.test(value);
  }
  return undefined;
}

/**
 * The arguments handed to constraints, one object per depth of nesting, filled in for each call:
 * a constraint reads them while it runs (class-validator's own constraints read `constraints`),
 * and checking every property of every event must not allocate one per constraint. A check nested
 * in another (or started by a constraint) takes the next one.
 */
const argsByDepth: ValidationArguments[] = [];
let depth = 0;

function propertyPasses(object: Record<string, unknown>, property: PropertyRules): boolean {
  const value = object[property.name];
  for (const condition of property.conditions) if (!condition(object, value)) return true;
  if (property.constraints.length > 0) {
    const args = (argsByDepth[depth] ??= { targetName: '', property: '', object, value, constraints: [] });
    args.targetName = object.constructor?.name;
    args.property = property.name;
    args.object = object;
    args.value = value;
    depth += 1;
    try {
      for (const { rule, validate } of property.constraints) {
        args.constraints = rule.constraints;
        if (rule.each && (Array.isArray(value) || value instanceof Set || value instanceof Map)) {
          for (const item of value instanceof Map ? value.values() : value) if (!isTrue(validate(item, args))) return false;
        } else if (!isTrue(validate(value, args))) {
          return false;
        }
      }
    } finally {
      depth -= 1;
      // Nothing of the object stays reachable from here.
      args.object = EMPTY;
      args.value = undefined;
    }
  }
  return !property.nested || nestedPasses(value);
}

const EMPTY = Object.freeze({});

/**
 * class-validator's `@ValidateNested()`: each item of an array, set or map, or else the value
 * itself, is an object meeting its own class's rules; undefined is let through (class-validator
 * skips it). An item that is itself a collection is left to class-validator.
 */
function nestedPasses(value: unknown): boolean {
  if (value === undefined) return true;
  if (Array.isArray(value) || value instanceof Set || value instanceof Map) {
    for (const item of value instanceof Map ? value.values() : value) {
      if (typeof item !== 'object' || item === null || Array.isArray(item) || item instanceof Set || item instanceof Map) return false;
      if (!passesRules(item)) return false;
    }
    return true;
  }
  return typeof value === 'object' && value !== null && passesRules(value);
}

/** A constraint's answer as a pass: a promise (an asynchronous rule) is left to class-validator. */
function isTrue(answer: unknown): boolean {
  if (typeof answer === 'object' && answer !== null && typeof (answer as { then?: unknown }).then === 'function') return false;
  return Boolean(answer);
}

/** Compiled checks are forgotten whenever a rule is added (a class loaded later). */
function watchNewRules(): void {
  if (watching) return;
  watching = true;
  onRulesAdded(() => {
    compiled = new Map();
  });
}
