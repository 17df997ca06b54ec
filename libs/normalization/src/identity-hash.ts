/**
 * How a person's identity is kept where the clear value must not be (suppression lists, erasure
 * records, `contact.erased`): sha256, in lower-case hex, of `<kind>:<normalized value>`, where the
 * value is normalized as for leads (email trimmed and lower-cased; phone in E.164). So
 * `identityHash('email', 'Ana@Example.com ')` is the sha256 of `email:ana@example.com`.
 */
import { hash } from 'node:crypto';
import type { IdentityKind } from '@leadflow/contracts';
import { normalizeEmail } from './email';
import { normalizePhone } from './phone';

/** The hash of an identity already normalized (a lead's or a contact's stored email or phone). */
export function hashOfNormalizedIdentity(kind: IdentityKind, normalizedValue: string): string {
  return hash('sha256', `${kind}:${normalizedValue}`, 'hex');
}

/**
 * Normalizes a clear email or phone as intake does and hashes it; undefined when the value is no
 * identity (an email of the wrong shape, a phone that is not a valid number).
 */
export function identityHash(kind: IdentityKind, clearValue: string, countryHint: string | null = null): string | undefined {
  if (kind === 'email') {
    const { email, valid } = normalizeEmail(clearValue);
    return valid ? hashOfNormalizedIdentity('email', email) : undefined;
  }
  const { phone, valid } = normalizePhone(clearValue, countryHint);
  return phone && valid ? hashOfNormalizedIdentity('phone', phone) : undefined;
}

/** The hashes of what identifies a lead: its normalized email (valid or not) and its phone when valid. */
export function leadIdentityHashes(lead: { email: string | null; phone: string | null; phoneValid: boolean }): string[] {
  const hashes: string[] = [];
  if (lead.email) hashes.push(hashOfNormalizedIdentity('email', lead.email));
  if (lead.phone && lead.phoneValid) hashes.push(hashOfNormalizedIdentity('phone', lead.phone));
  return hashes;
}

/** What else names the sender of an activity: a tracker's visitor id, the sender's own user id, a contact id. */
export type ActivityIdKind = 'anonymous_id' | 'user_id' | 'contact_id';

/**
 * The hash of one of an activity's ids, as sent (a contact id lower-cased), in the same
 * `<kind>:<value>` form: an erasure names the person's tracker ids by these, never in clear.
 */
export function hashOfActivityId(kind: ActivityIdKind, value: string): string {
  return hash('sha256', `${kind}:${value}`, 'hex');
}
