/** The HMAC-SHA256 primitives every scheme shares, and the checks around them. */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { DEFAULT_TOLERANCE_SECONDS, SigningConfigurationException, type VerifyOptions } from './signature-verification';

export function hmacSha256(key: Buffer, ...parts: ReadonlyArray<Buffer | string>): Buffer {
  const hmac = createHmac('sha256', key);
  for (const part of parts) hmac.update(part);
  return hmac.digest();
}

/**
 * True only when both are byte-for-byte equal over their whole length. The time taken does not
 * depend on where they differ; a length difference answers at once, and lengths are public (a
 * signature's length follows from the scheme).
 */
export function constantTimeEqual(expected: Buffer, candidate: Buffer): boolean {
  return expected.length === candidate.length && timingSafeEqual(expected, candidate);
}

/**
 * Which of the candidates, compared with each secret's expected signature, matches; -1 when none.
 * `expectedFor` gives the signature, encoded as the header carries it, for one secret.
 */
export function matchingSecretIndex(
  secretCount: number,
  expectedFor: (secretIndex: number) => string,
  candidates: readonly string[],
): number {
  const encodedCandidates = candidates.map((candidate) => Buffer.from(candidate, 'utf8'));
  for (let index = 0; index < secretCount; index++) {
    const expected = Buffer.from(expectedFor(index), 'utf8');
    if (encodedCandidates.some((candidate) => constantTimeEqual(expected, candidate))) return index;
  }
  return -1;
}

export function requireSecrets(secrets: readonly string[]): void {
  if (secrets.length === 0) throw new SigningConfigurationException('no signing secret is configured');
  if (secrets.some((secret) => secret.length === 0)) throw new SigningConfigurationException('a signing secret is empty');
}

export function toleranceSecondsOf(options: VerifyOptions | undefined): number {
  const tolerance = options?.toleranceSeconds ?? DEFAULT_TOLERANCE_SECONDS;
  if (!Number.isFinite(tolerance) || tolerance <= 0) {
    throw new SigningConfigurationException(`the timestamp tolerance must be a positive number of seconds, not ${tolerance}`);
  }
  return tolerance;
}

/** Whole seconds, as the schemes that sign seconds compare them (a fraction of a second never makes a request stale). */
export function isWithinToleranceSeconds(signedAtSeconds: number, options: VerifyOptions | undefined): boolean {
  const nowSeconds = Math.floor((options?.now ?? new Date()).getTime() / 1000);
  return Math.abs(nowSeconds - signedAtSeconds) <= toleranceSecondsOf(options);
}

export function isWithinToleranceMillis(signedAtMillis: number, options: VerifyOptions | undefined): boolean {
  const now = (options?.now ?? new Date()).getTime();
  return Math.abs(now - signedAtMillis) <= toleranceSecondsOf(options) * 1000;
}

const UNIX_SECONDS = /^\d{1,12}$/;
const UNIX_MILLIS = /^\d{1,15}$/;

/** A decimal count of seconds since the epoch; null for anything else (signs, spaces, fractions). */
export function parseUnixSeconds(text: string): number | null {
  return UNIX_SECONDS.test(text) ? Number(text) : null;
}

export function parseUnixMillis(text: string): number | null {
  return UNIX_MILLIS.test(text) ? Number(text) : null;
}
