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
 * What an unquoted element of an array literal may not be: empty, NULL in any case, or holding
 * whitespace (PostgreSQL trims it), a quote, a backslash, a brace or the delimiter.
 */
const NEEDS_QUOTES = /^$|^null$|[\s"\\{},]/i;

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
    else if (typeof value === 'string') elements[i] = NEEDS_QUOTES.test(value) ? `"${value.replace(/[\\"]/g, '\\$&')}"` : value;
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
