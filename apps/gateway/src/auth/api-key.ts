import { hash, randomBytes } from 'node:crypto';

/** What a credential may do. Keys carry scopes; admin accounts get them from their role. */
export const SCOPES = ['intake', 'admin:read', 'admin:write', 'events'] as const;
export type Scope = (typeof SCOPES)[number];

export type KeyEnvironment = 'live' | 'test';

/**
 * An API key: `lf_live_` or `lf_test_`, then 40 url-safe characters (240 random bits). Only its
 * SHA-256 is stored: a key this long cannot be guessed, so a slow hash would only slow every request.
 * (The pattern lives with the environment, which checks the bootstrap keys against it.)
 */

/** How many characters of a key are kept in clear to recognise it in lists and logs. */
const DISPLAY_PREFIX_LENGTH = 16;

export interface NewApiKey {
  /** The key itself, shown once. */
  key: string;
  prefix: string;
  hash: string;
}

export function generateApiKey(environment: KeyEnvironment): NewApiKey {
  return describeApiKey(`lf_${environment}_${randomBytes(30).toString('base64url')}`);
}

/** The stored form of a key given by an operator (bootstrap) or generated here. */
export function describeApiKey(key: string): NewApiKey {
  return { key, prefix: key.slice(0, DISPLAY_PREFIX_LENGTH), hash: hashApiKey(key) };
}

export function hashApiKey(key: string): string {
  return hash('sha256', key, 'hex');
}

/** The key a request presents in `X-Api-Key`, as `Authorization: Bearer <key>` or as Basic auth's user; undefined when none. */
export function presentedCredential(headers: Record<string, string | string[] | undefined>): string | undefined {
  const apiKey = headers['x-api-key'];
  if (typeof apiKey === 'string' && apiKey.trim() !== '') return apiKey.trim();
  const authorization = headers.authorization;
  if (typeof authorization !== 'string') return undefined;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
  return match?.[1] ?? basicAuthUser(authorization);
}

/**
 * The user of `Authorization: Basic base64(user:password)`: Segment-style trackers send their write
 * key (a LeadFlow key) as the user, with an empty password.
 */
function basicAuthUser(authorization: string): string | undefined {
  const match = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(authorization);
  if (!match?.[1]) return undefined;
  const decoded = Buffer.from(match[1], 'base64').toString('utf8');
  const user = decoded.split(':', 1)[0]?.trim();
  return user === undefined || user === '' ? undefined : user;
}

export function isScope(value: unknown): value is Scope {
  return typeof value === 'string' && (SCOPES as readonly string[]).includes(value);
}
