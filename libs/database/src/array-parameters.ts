/**
 * Array parameters as PostgreSQL array literals, built with one join instead of node-postgres'
 * character-by-character concatenation.
 *
 * node-postgres turns a JavaScript array parameter into a literal by appending each element, quoted
 * and escaped, to a growing string: several short-lived strings per element. The consuming apps
 * send arrays of hundreds of ids per batch statement (the inbox's event ids, the contacts a batch
 * touches), and in the lead bench those strings were a fifth to a third of what contacts, scoring
 * and metrics allocated. Here an element is quoted only when PostgreSQL's array syntax needs it,
 * and the literal is joined once. PostgreSQL reads both literals as the same array.
 */

/** node-postgres' conversion of a parameter value, which it looks up on this module for every statement (`pg/lib/query.js`). */
interface PgUtils {
  prepareValue: (value: unknown, seen?: unknown) => unknown;
}

/**
 * What an unquoted element of an array literal may not hold: whitespace (PostgreSQL trims it), a
 * quote, a backslash, a brace or the delimiter. `\s` also takes in Unicode spaces, which PostgreSQL
 * keeps; they stay quoted so that every literal is the one this module has always sent. The empty
 * element and NULL, which need quotes too, are looked for apart (`elementOf`): a class alone, without
 * the former `^$|^null$` alternatives and case folding, scans an id in two thirds of the time (and
 * faster than a `charCodeAt` loop, measured on Node 20).
 */
const NEEDS_QUOTES = /[\s"\\{},]/;

/** NULL in any case, which PostgreSQL would read as a null element; tested on elements of its length only. */
const NULL_WORD = /^null$/i;

/**
 * What JSON.stringify writes as an escape other than `\"` and `\\`: control characters and lone
 * surrogates. A text without them comes out of JSON.stringify quoted and escaped exactly as an
 * element of an array literal.
 */
// eslint-disable-next-line no-control-regex -- control characters are what it looks for
const JSON_ESCAPED = /[\u0000-\u001f\ud800-\udfff]/;

/** An element as it stands in the literal: quoted when PostgreSQL's array syntax needs it, escaped when it holds a quote or a backslash. */
function elementOf(value: string): string {
  if (value.length === 0 || (value.length === 4 && NULL_WORD.test(value))) return `"${value}"`;
  if (!NEEDS_QUOTES.test(value)) return value;
  // Most quoted elements are texts with spaces and nothing to escape: no replace to run then.
  if (!value.includes('"') && !value.includes('\\')) return `"${value}"`;
  // JSON texts, full of quotes, are escaped by JSON.stringify in half the time of the replaces below
  // (a short text with one quote takes a little longer: JSON.stringify has a fixed cost of its own).
  if (!JSON_ESCAPED.test(value)) return JSON.stringify(value);
  // Replacements without `$&` take V8's quicker path: two of them cost less than one with it.
  return `"${value.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

/**
 * The array literal of a flat array of strings, numbers, bigints and nulls; undefined for any
 * other array (nested, or holding dates, buffers, booleans or objects), which node-postgres converts.
 */
export function arrayLiteral(values: readonly unknown[]): string | undefined {
  if (values.length === 0) return '{}';
  const elements = new Array<string>(values.length);
  for (let i = 0; i < values.length; i += 1) {
    const value = values[i];
    if (value === null || value === undefined) elements[i] = 'NULL';
    else if (typeof value === 'string') elements[i] = elementOf(value);
    else if (typeof value === 'number' || typeof value === 'bigint') elements[i] = String(value);
    else return undefined;
  }
  // The braces go into the end elements, so that the join makes the whole literal as one flat
  // string: wrapped after the join, it would be copied once more when its bytes are counted.
  const last = elements.length - 1;
  elements[0] = `{${elements[0]}`;
  elements[last] = `${elements[last]}}`;
  return elements.join(',');
}

let installed = false;

/** Makes node-postgres send flat array parameters as `arrayLiteral` builds them; idempotent. */
export function useCompactArrayParameters(): void {
  if (installed) return;
  installed = true;
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- pg exports `./lib/*`; its query code reads `prepareValue` from this module on every bind
  const utils = require('pg/lib/utils') as PgUtils;
  const convert = utils.prepareValue;
  utils.prepareValue = function prepareValue(value: unknown, seen?: unknown): unknown {
    return (Array.isArray(value) && arrayLiteral(value)) || convert(value, seen);
  };
}
