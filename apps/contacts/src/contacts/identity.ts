import type { LeadIngestedData } from '@leadflow/contracts';

/**
 * `email` and `phone` come from leads and events; `user_id` (the sender's own id of a person, per
 * workspace) and `anonymous_id` (a tracker's visitor id) from activity events only.
 */
export type IdentityKind = 'email' | 'phone' | 'user_id' | 'anonymous_id';

/** The identities a lead or an admin's record carries: a person's email and phone. */
export type PersonalIdentityKind = 'email' | 'phone';

export interface Identity<K extends IdentityKind = IdentityKind> {
  kind: K;
  value: string;
}

/**
 * What identifies the person behind a lead: a valid normalized email and a valid E.164 phone.
 * Invalid values ("n/a", "test") would tie strangers together, so they identify nobody.
 */
export function identitiesOf(
  lead: Pick<LeadIngestedData, 'email' | 'emailValid' | 'phone' | 'phoneValid'>,
): Array<Identity<PersonalIdentityKind>> {
  const identities: Array<Identity<PersonalIdentityKind>> = [];
  if (lead.email && lead.emailValid) identities.push({ kind: 'email', value: lead.email });
  if (lead.phone && lead.phoneValid) identities.push({ kind: 'phone', value: lead.phone });
  return identities;
}

/** The advisory-lock key of an identity; locks are always taken in the order of these keys. */
export function identityLockKey(workspaceId: string, identity: Identity): string {
  return `contacts:${workspaceId}:${identity.kind}:${identity.value}`;
}

export interface ContactAge {
  id: string;
  created_at: Date;
}

/** Of two contacts of one person the older survives a merge (ties: the smaller id). */
export function survivorOf<T extends ContactAge>(a: T, b: T): { survivor: T; merged: T } {
  const aFirst = a.created_at.getTime() < b.created_at.getTime() || (a.created_at.getTime() === b.created_at.getTime() && a.id < b.id);
  return aFirst ? { survivor: a, merged: b } : { survivor: b, merged: a };
}
