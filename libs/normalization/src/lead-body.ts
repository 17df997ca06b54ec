/** Turns the bytes of an intake request into a lead payload that PostgreSQL can store as jsonb. */
import { fingerprint } from './canonical-json';
import { jsonNestsDeeperThan } from './json-depth';
import { shortenText, toStorableText } from './storable-text';

export type IntakeMediaType = 'json' | 'form';

/**
 * `fingerprint` is taken from the body as sent, before it was cleaned for storage (NUL, lone
 * surrogates), so that two bodies differing only there are not one body for idempotency; key order
 * and whitespace do not count.
 */
export type LeadBodyResult = { ok: true; payload: Record<string, unknown>; fingerprint: string } | { ok: false; reason: string };

export const MAX_BODY_DEPTH = 32;
const MAX_REASON_LENGTH = 200;

const TOKEN = /^[!#$%&'*+.^_`|~0-9a-z-]+$/;
const UTF8_CHARSETS = new Set(['utf-8', 'utf8']);

/**
 * The body format a Content-Type header announces, or null when intake does not accept it.
 * JSON is `application/json`, any `application/*+json` type and the legacy `text/json`; forms are
 * `application/x-www-form-urlencoded`. Only UTF-8 is decoded, so another declared charset is refused
 * rather than misread.
 */
export function intakeMediaType(contentTypeHeader: string | undefined): IntakeMediaType | null {
  if (contentTypeHeader === undefined) return null;
  const [essence, ...parameters] = contentTypeHeader.split(';');
  const [type, subtype, ...rest] = essence.trim().toLowerCase().split('/');
  if (rest.length > 0 || subtype === undefined || !TOKEN.test(type) || !TOKEN.test(subtype)) return null;
  const charset = declaredCharset(parameters);
  if (charset !== null && !UTF8_CHARSETS.has(charset)) return null;
  if (type === 'application' && subtype === 'x-www-form-urlencoded') return 'form';
  if (isJsonType(type, subtype)) return 'json';
  return null;
}

function isJsonType(type: string, subtype: string): boolean {
  return (type === 'application' && (subtype === 'json' || subtype.endsWith('+json'))) || (type === 'text' && subtype === 'json');
}

function declaredCharset(parameters: readonly string[]): string | null {
  for (const parameter of parameters) {
    const equals = parameter.indexOf('=');
    if (equals < 0 || parameter.slice(0, equals).trim().toLowerCase() !== 'charset') continue;
    return parameter
      .slice(equals + 1)
      .trim()
      .replace(/^"(.*)"$/, '$1')
      .toLowerCase();
  }
  return null;
}

/** Never throws: every way a body can be unusable comes back as a reason. */
export function parseLeadBody(mediaType: IntakeMediaType, bytes: Buffer): LeadBodyResult {
  const text = decodeUtf8(bytes);
  if (text === null) return { ok: false, reason: 'body is not valid UTF-8' };
  if (text.trim() === '') return { ok: false, reason: 'empty body' };
  return mediaType === 'json' ? parseJsonBody(text) : parseFormBody(text);
}

/** The decoder drops a leading BOM itself (ignoreBOM is false). */
function decodeUtf8(bytes: Buffer): string | null {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return null;
  }
}

function parseJsonBody(text: string): LeadBodyResult {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    // V8 quotes the offending input in its message, so it is cleaned and kept short.
    const message = error instanceof Error ? error.message : String(error);
    return { ok: false, reason: shortenText(toStorableText(`malformed JSON: ${message}`), MAX_REASON_LENGTH) };
  }
  if (!isRecord(parsed)) return { ok: false, reason: 'body must be a JSON object' };
  if (jsonNestsDeeperThan(text, MAX_BODY_DEPTH)) return { ok: false, reason: `nested deeper than ${MAX_BODY_DEPTH} levels` };
  // Only a \u escape can put a NUL or a lone surrogate into a parsed string: the text was decoded
  // as strict UTF-8, and JSON admits no raw control character in a string. Without one, every
  // string is storable as parsed (and JSON.parse, like Object.fromEntries, makes `__proto__` an
  // own property).
  const payload = text.includes('\\u') ? storableObject(parsed) : parsed;
  return { ok: true, payload, fingerprint: fingerprint(parsed) };
}

function parseFormBody(text: string): LeadBodyResult {
  const sent = [...new URLSearchParams(text)];
  const stored = sent.map(([key, value]): [string, string] => [toStorableText(key), toStorableText(value)]);
  return { ok: true, payload: formObject(stored), fingerprint: fingerprint(formObject(sent)) };
}

/** Repeated fields become arrays in the order sent. A Map keeps `__proto__` an ordinary key. */
function formObject(entries: ReadonlyArray<[string, string]>): Record<string, unknown> {
  const fields = new Map<string, string[]>();
  for (const [key, value] of entries) {
    const values = fields.get(key);
    if (values) values.push(value);
    else fields.set(key, [value]);
  }
  return Object.fromEntries([...fields].map(([key, values]) => [key, values.length === 1 ? values[0] : values]));
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Recursion is safe here: the depth was checked first. Object.fromEntries defines own data
 * properties, so a `__proto__` key never reaches a prototype.
 */
function storableObject(object: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(object).map(([key, value]) => [toStorableText(key), storableValue(value)]));
}

function storableValue(value: unknown): unknown {
  if (typeof value === 'string') return toStorableText(value);
  if (Array.isArray(value)) return value.map(storableValue);
  if (isRecord(value)) return storableObject(value);
  return value;
}
