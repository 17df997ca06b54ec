import type { ActivityReceivedData } from '@leadflow/contracts';
import { hash } from 'node:crypto';
import type { Identity } from './identity';

/**
 * What identifies the sender of an activity, in the precedence that decides which contact an
 * activity belongs to when its identifiers name different contacts: a `contactId` first (handled
 * apart: it names a contact, not an identity), then `user_id`, email, phone (`known`: they name an
 * identified person), then the tracker's ids (`linked`: `anonymous_id`, and for an `alias` the
 * `previousId`, which may be either an anonymous id or an earlier user id).
 */
export interface ActivityIdentities {
  known: Identity[];
  linked: Identity[];
  /** The identities the activity may add to its contact when nobody owns them yet. */
  claimable: Identity[];
}

export function activityIdentitiesOf(
  activity: Pick<ActivityReceivedData, 'kind' | 'userId' | 'email' | 'emailValid' | 'phone' | 'phoneValid' | 'anonymousId' | 'previousId'>,
): ActivityIdentities {
  const known: Identity[] = [];
  if (activity.userId) known.push({ kind: 'user_id', value: activity.userId });
  if (activity.email && activity.emailValid) known.push({ kind: 'email', value: activity.email });
  if (activity.phone && activity.phoneValid) known.push({ kind: 'phone', value: activity.phone });
  const linked: Identity[] = [];
  const claimable = [...known];
  if (activity.anonymousId) {
    linked.push({ kind: 'anonymous_id', value: activity.anonymousId });
    claimable.push({ kind: 'anonymous_id', value: activity.anonymousId });
  }
  const previousId = activity.kind === 'alias' ? activity.previousId : null;
  if (previousId && previousId !== activity.userId && previousId !== activity.anonymousId) {
    linked.push({ kind: 'anonymous_id', value: previousId }, { kind: 'user_id', value: previousId });
    claimable.push({ kind: 'anonymous_id', value: previousId });
  }
  return { known, linked, claimable };
}

/**
 * The hash an erasure records of an identity, of any kind: sha256 hex of `<kind>:<value>`, the
 * formula of `hashOfNormalizedIdentity` (libs/normalization) for email and phone.
 */
export function erasedIdentityHash(identity: Identity): string {
  return hash('sha256', `${identity.kind}:${identity.value}`, 'hex');
}

/** Optional name fields of identify traits, as Segment's spec spells them. */
export function namesOfTraits(traits: Record<string, unknown>): { firstName: string | null; lastName: string | null } {
  const text = (...keys: string[]) => {
    for (const key of keys) {
      const value = traits[key];
      if (typeof value === 'string' && value.trim().length > 0) return value.trim().slice(0, 200);
    }
    return null;
  };
  return { firstName: text('firstName', 'first_name'), lastName: text('lastName', 'last_name') };
}
