/** One spelling per JSON value, so equal payloads hash equally whatever order their keys came in. */
import { hash } from 'node:crypto';

// `value` steps hold values already passed through toJSON, as JSON.stringify calls it once per value.
type Step = { value: unknown } | { text: string } | { leave: object };

/**
 * JSON with object keys sorted by UTF-16 code unit at every depth, array order kept, no
 * whitespace. Otherwise JSON.stringify's rules: `toJSON` is honoured, properties whose value JSON
 * cannot hold are left out, such values in arrays (and at the top) become null, and circular
 * structures and BigInts throw a TypeError. Iterative, so deep input cannot exhaust the stack.
 */
export function canonicalJson(value: unknown): string {
  const flat = flatObjectJson(value);
  if (flat !== undefined) return flat;
  const out: string[] = [];
  const ancestors = new Set<object>();
  const steps: Step[] = [{ value: jsonValueOf(value, '') }];
  for (let step = steps.pop(); step !== undefined; step = steps.pop()) {
    if ('text' in step) out.push(step.text);
    else if ('leave' in step) ancestors.delete(step.leave);
    else writeValue(step.value, out, steps, ancestors);
  }
  return out.join('');
}

/**
 * The canonical JSON of an object whose values are all strings, numbers, booleans or null (most
 * lead bodies), written by JSON.stringify itself with the object's keys listed in sorted order:
 * the same text, without a step per value. Undefined for anything else.
 */
function flatObjectJson(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  if (typeof (value as { toJSON?: unknown }).toJSON === 'function') return undefined;
  const keys = Object.keys(value);
  for (const key of keys) {
    const item = (value as Record<string, unknown>)[key];
    if (item !== null && typeof item !== 'string' && typeof item !== 'number' && typeof item !== 'boolean') return undefined;
  }
  return JSON.stringify(value, keys.sort());
}

/** sha256 (hex) of the canonical JSON: the same for any key order, different for any value change. */
export function fingerprint(payload: unknown): string {
  return hash('sha256', canonicalJson(payload), 'hex');
}

function writeValue(value: unknown, out: string[], steps: Step[], ancestors: Set<object>): void {
  if (typeof value !== 'object' || value === null) {
    out.push(JSON.stringify(value) ?? 'null');
    return;
  }
  if (ancestors.has(value)) throw new TypeError('canonicalJson: circular structure');
  ancestors.add(value);
  // Steps run last-in first-out, so each container's pieces are pushed in reverse.
  steps.push({ leave: value });
  if (Array.isArray(value)) pushArray(value, out, steps);
  else pushObject(value as Record<string, unknown>, out, steps);
}

function pushArray(array: readonly unknown[], out: string[], steps: Step[]): void {
  out.push('[');
  steps.push({ text: ']' });
  for (let index = array.length - 1; index >= 0; index--) {
    steps.push({ value: jsonValueOf(array[index], String(index)) });
    if (index > 0) steps.push({ text: ',' });
  }
}

function pushObject(object: Record<string, unknown>, out: string[], steps: Step[]): void {
  const entries = Object.keys(object)
    .sort()
    .map((key): [string, unknown] => [key, jsonValueOf(object[key], key)])
    .filter(([, value]) => isRepresentable(value));
  out.push('{');
  steps.push({ text: '}' });
  for (let index = entries.length - 1; index >= 0; index--) {
    const [key, value] = entries[index];
    steps.push({ value });
    steps.push({ text: `${JSON.stringify(key)}:` });
    if (index > 0) steps.push({ text: ',' });
  }
}

function jsonValueOf(value: unknown, key: string): unknown {
  const toJSON = (value as { toJSON?: unknown } | null | undefined)?.toJSON;
  return typeof toJSON === 'function' ? toJSON.call(value, key) : value;
}

function isRepresentable(value: unknown): boolean {
  return value !== undefined && typeof value !== 'function' && typeof value !== 'symbol';
}
