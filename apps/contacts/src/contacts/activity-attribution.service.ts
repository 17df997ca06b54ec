import {
  type ActivityAttributedData,
  type ActivityReceivedData,
  type ContactChangedData,
  type EventEnvelope,
  EventTypes,
} from '@leadflow/contracts';
import { ConsumesEvents, type EventBatch, type NewEvent, Outbox } from '@leadflow/messaging';
import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { type ActivityIdentities, activityIdentitiesOf, erasedIdentityHash, namesOfTraits } from './activity-identity';
import { type ActivityRow, ContactActivitiesRepository, type MergeRefusal } from './contact-activities.repository';
import { newContactRow } from './contact-fields';
import type { ContactRow } from './contact-row';
import { ContactsRepository, type IdentityClaim, type MergeCause } from './contacts.repository';
import { attributeInRuns, notYetAttributed } from './attribution-runs';
import { ErasedIdentitiesRepository } from './erased-identities.repository';
import { type Identity, identityLockKey } from './identity';
import { lockLiveContacts } from './live-contacts';

/** Why an activity's merge was refused (`contacts.refused_merges.reason`). */
export const MergeRefusalReasons = {
  /** Its user id, email, phone or contact id name two different identified contacts. */
  identifiersNameDifferentContacts: 'identifiers_name_different_contacts',
  /** Its anonymous (or previous) id belongs to another identified contact than its identifiers name. */
  linkedIdOfAnotherContact: 'linked_id_of_another_contact',
} as const;

/** What one activity does, planned against the locked state of the batch. */
type Plan =
  | { step: 'attribute'; contact: ContactRow; created: boolean; announce: 'created' | 'updated' | null; refusals: MergeRefusal[] }
  | { step: 'merge' }
  | { step: 'skip' };

interface Resolved {
  identities: ActivityIdentities;
  /** The live contact the activity's `contactId` names, if any. */
  named?: ContactRow;
}

/**
 * Attributes activity events to contacts in the identity graph leads use (one contact per person
 * per workspace). Precedence when identifiers disagree: contactId > user_id > email > phone >
 * anonymous id (or an alias's previous id). An anonymous id nobody owns makes an anonymous profile;
 * an activity that ties an anonymous profile to a known contact merges the profile into it; two
 * identified contacts are never merged by an activity: the refusal is recorded and the activity goes
 * to the contact its strongest identifier names. Batches run with a fixed number of statements, under
 * the identity advisory locks lead resolution takes, in the same order.
 */
@Injectable()
export class ActivityAttributionService {
  constructor(
    private readonly contacts: ContactsRepository,
    private readonly activities: ContactActivitiesRepository,
    private readonly erased: ErasedIdentitiesRepository,
    private readonly outbox: Outbox,
  ) {}

  @ConsumesEvents(EventTypes.activityReceived)
  async onActivitiesReceived(events: EventBatch<typeof EventTypes.activityReceived>, manager: EntityManager): Promise<void> {
    const attributed = await this.activities.attributedIds(
      manager,
      events.map((event) => event.data.activityId),
    );
    await attributeInRuns(
      notYetAttributed(events, attributed, (event) => event.data.activityId),
      (run) => this.attributeTogether(manager, run),
      (event) => this.mergeFor(manager, event),
      (event) => `activity ${event.data.activityId}`,
    );
  }

  /** Locks the identities and contacts these events name; returns what each event resolves to. */
  private async lockState(manager: EntityManager, events: ReadonlyArray<EventEnvelope<ActivityReceivedData>>) {
    const identitiesByEvent = events.map((event) => activityIdentitiesOf(event.data));
    const all = (i: number) => [...(identitiesByEvent[i]?.known ?? []), ...(identitiesByEvent[i]?.linked ?? [])];
    await this.contacts.lockKeys(
      manager,
      events.flatMap((event, i) => all(i).map((identity) => identityLockKey(event.workspaceId, identity))),
    );
    const recorded = await this.contacts.identityOwners(
      manager,
      events.flatMap((event, i) => all(i).map((identity) => ({ workspaceId: event.workspaceId, ...identity }))),
    );
    const ownerOf = new Map(recorded.map((owner) => [ownerKey(owner.workspaceId, owner), owner.contactId]));
    const named = events.map((event) => event.data.contactId?.toLowerCase()).filter((id): id is string => !!id);
    const { live, survivorOf } = await lockLiveContacts(this.contacts, manager, [...new Set([...ownerOf.values(), ...named])]);
    const resolved: Resolved[] = events.map((event, i) => {
      const id = event.data.contactId?.toLowerCase();
      const contact = id === undefined ? undefined : live.get(survivorOf.get(id) ?? id);
      const usable = contact && contact.workspace_id === event.workspaceId && contact.deleted_at === null ? contact : undefined;
      return { identities: identitiesByEvent[i] as ActivityIdentities, named: usable };
    });
    // Read under the identities' locks, which an erasure holds until it commits.
    const hashesByEvent = events.map((_, i) => all(i).map(erasedIdentityHash));
    const erasedHashes = await this.erased.erasedAmong(
      manager,
      events.flatMap((event, i) => (hashesByEvent[i] ?? []).map((hash) => ({ workspaceId: event.workspaceId, hash }))),
    );
    const erased = events.map((event, i) => (hashesByEvent[i] ?? []).some((hash) => erasedHashes.has(`${event.workspaceId}\u0000${hash}`)));
    return { ownerOf, live, survivorOf, resolved, erased };
  }

  /**
   * Attributes the leading events that need no merge, planned in order against the locked state as
   * if applied one after the other, then written together; returns how many it attributed.
   */
  private async attributeTogether(manager: EntityManager, events: Array<EventEnvelope<ActivityReceivedData>>): Promise<number> {
    const { ownerOf, live, survivorOf, resolved, erased } = await this.lockState(manager, events);
    const current = (id: string | undefined) => (id === undefined ? undefined : live.get(survivorOf.get(id) ?? id));

    const created: ContactRow[] = [];
    const touched = new Set<ContactRow>();
    const claims: IdentityClaim[] = [];
    const rows: ActivityRow[] = [];
    const refusals: MergeRefusal[] = [];
    const outboxEvents: NewEvent[] = [];
    let handled = 0;
    for (const [i, event] of events.entries()) {
      const { identities, named } = resolved[i] as Resolved;
      if (erased[i]) {
        // An activity of an erased person that was on its way when they were erased: it makes no contact.
        handled += 1;
        continue;
      }
      const ownerOfIdentity = (identity: Identity) => current(ownerOf.get(ownerKey(event.workspaceId, identity)));
      const plan = planOf(event, identities, named, ownerOfIdentity);
      if (plan.step === 'merge') break;
      handled += 1;
      if (plan.step === 'skip') continue;
      const { contact } = plan;
      if (plan.created) {
        created.push(contact);
        live.set(contact.id, contact);
      } else if (plan.announce !== null && !created.includes(contact)) touched.add(contact);
      for (const identity of identities.claimable) {
        const key = ownerKey(event.workspaceId, identity);
        if (ownerOf.has(key) || identities.linked.some((l) => l.value === identity.value && ownerOf.has(ownerKey(event.workspaceId, l)))) {
          continue;
        }
        ownerOf.set(key, contact.id);
        claims.push({ workspaceId: event.workspaceId, identity, contactId: contact.id });
      }
      refusals.push(...plan.refusals);
      rows.push(activityRowOf(event, contact.id));
      if (plan.announce !== null) {
        outboxEvents.push({
          type: plan.announce === 'created' ? EventTypes.contactCreated : EventTypes.contactUpdated,
          workspaceId: event.workspaceId,
          correlationId: event.correlationId,
          data: changedData(contact),
        });
      }
      outboxEvents.push({
        type: EventTypes.activityAttributed,
        workspaceId: event.workspaceId,
        correlationId: event.correlationId,
        data: attributedData(event.data, contact),
      });
    }
    if (handled === 0) return 0;

    await this.contacts.insertContacts(manager, created);
    await this.contacts.updateContacts(manager, [...touched]);
    await this.contacts.insertIdentities(manager, claims);
    await this.activities.insert(manager, rows);
    await this.activities.insertRefusals(manager, refusals);
    await this.outbox.addMany(manager, outboxEvents);
    return handled;
  }

  /** Merges the anonymous profiles this event ties to its known contact into that contact. */
  private async mergeFor(manager: EntityManager, event: EventEnvelope<ActivityReceivedData>): Promise<void> {
    const { ownerOf, live, survivorOf, resolved } = await this.lockState(manager, [event]);
    const { identities, named } = resolved[0] as Resolved;
    const current = (id: string | undefined) => (id === undefined ? undefined : live.get(survivorOf.get(id) ?? id));
    const owner = (identity: Identity) => current(ownerOf.get(ownerKey(event.workspaceId, identity)));
    const target = named ?? firstDefined(identities.known.map(owner)) ?? firstDefined(identities.linked.map(owner));
    if (!target) return;
    const cause: MergeCause = { reason: event.data.kind === 'alias' ? 'alias' : 'identify', activityId: event.data.activityId };
    let survivor = target;
    const done = new Set<string>([target.id]);
    for (const identity of identities.linked) {
      const profile = owner(identity);
      if (!profile || done.has(profile.id) || !profile.anonymous) continue;
      done.add(profile.id);
      survivor = await this.contacts.merge(manager, event.workspaceId, survivor.id, profile.id, cause);
      await this.outbox.add(manager, {
        type: EventTypes.contactMerged,
        workspaceId: event.workspaceId,
        correlationId: event.correlationId,
        data: { survivorId: survivor.id, mergedId: profile.id },
      });
    }
  }
}

/**
 * Where one activity goes. The target is the contact its `contactId` names, else the owner of its
 * strongest known identifier; other identified contacts named are refused (recorded), anonymous
 * profiles named by its linked ids are merged into the target first (`merge`), and with no target a
 * linked owner is used (an anonymous profile becomes identified by the known ids it receives), else a
 * new contact is made, anonymous when the activity carries only tracker ids.
 */
function planOf(
  event: EventEnvelope<ActivityReceivedData>,
  identities: ActivityIdentities,
  named: ContactRow | undefined,
  owner: (identity: Identity) => ContactRow | undefined,
): Plan {
  const { workspaceId } = event;
  const { activityId } = event.data;
  const refusals: MergeRefusal[] = [];
  const refuse = (contact: ContactRow, other: ContactRow, reason: string) =>
    refusals.push({ workspaceId, contactId: contact.id, otherContactId: other.id, reason, activityId });

  const knownOwners = unique([named, ...identities.known.map(owner)]);
  let target = knownOwners[0];
  if (target) for (const other of knownOwners.slice(1)) refuse(target, other, MergeRefusalReasons.identifiersNameDifferentContacts);

  const linkedOwners = unique(identities.linked.map(owner));
  let created = false;
  for (const linked of linkedOwners) {
    if (!target) {
      if (linked.anonymous || identities.known.length === 0 || event.data.kind === 'alias') target = linked;
      else {
        // Its tracker id belongs to another identified person: the known ids make a new contact.
        target = newContactRow(workspaceId, { firstName: null, lastName: null, country: null }, identities.known);
        created = true;
        refuse(target, linked, MergeRefusalReasons.linkedIdOfAnotherContact);
      }
    } else if (linked.id === target.id) continue;
    else if (linked.anonymous) return { step: 'merge' };
    else refuse(target, linked, MergeRefusalReasons.linkedIdOfAnotherContact);
  }
  if (!target) {
    if (identities.known.length === 0 && identities.linked.length === 0) return { step: 'skip' };
    target = newContactRow(workspaceId, { firstName: null, lastName: null, country: null }, identities.known);
    created = true;
    target.anonymous = identities.known.length === 0;
  }

  // What the activity teaches the contact: known ids it had no owner for, names from traits.
  const wasAnonymous = target.anonymous && !created;
  const before = `${target.email}\u0000${target.phone}\u0000${target.first_name}\u0000${target.last_name}`;
  const unowned = identities.known.filter((identity) => owner(identity) === undefined);
  if (unowned.length > 0 || knownOwners.length > 0) target.anonymous = false;
  target.email ??= unowned.find((i) => i.kind === 'email')?.value ?? null;
  target.phone ??= unowned.find((i) => i.kind === 'phone')?.value ?? null;
  if (!target.anonymous) {
    const names = namesOfTraits(event.data.traits);
    target.first_name ??= names.firstName;
    target.last_name ??= names.lastName;
  }
  const changed =
    unowned.length > 0 || before !== `${target.email}\u0000${target.phone}\u0000${target.first_name}\u0000${target.last_name}`;
  // An anonymous profile is announced (contact.created) when it becomes a person, not before.
  let announce: 'created' | 'updated' | null = null;
  if (target.anonymous) announce = null;
  else if (created || wasAnonymous) announce = 'created';
  else if (changed) announce = 'updated';
  return { step: 'attribute', contact: target, created, announce, refusals };
}

function unique(contacts: Array<ContactRow | undefined>): ContactRow[] {
  const seen = new Map<string, ContactRow>();
  for (const contact of contacts) if (contact && !seen.has(contact.id)) seen.set(contact.id, contact);
  return [...seen.values()];
}

function firstDefined<T>(values: Array<T | undefined>): T | undefined {
  return values.find((value) => value !== undefined);
}

function ownerKey(workspaceId: string, identity: Identity): string {
  return `${identity.kind}\u0000${identity.value}\u0000${workspaceId}`;
}

function activityRowOf(event: EventEnvelope<ActivityReceivedData>, contactId: string): ActivityRow {
  const a = event.data;
  return {
    activityId: a.activityId,
    workspaceId: event.workspaceId,
    contactId,
    messageId: a.messageId,
    kind: a.kind,
    name: a.name,
    occurredAt: a.occurredAt,
    receivedAt: a.receivedAt,
    source: a.source,
    properties: smallCopy(a.properties),
  };
}

/** The timeline keeps a small copy of an activity's properties: its top-level scalars, at most 20. */
function smallCopy(properties: Record<string, unknown>): Record<string, unknown> {
  const copy: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(properties)) {
    if (Object.keys(copy).length >= 20) break;
    if (value === null || typeof value === 'number' || typeof value === 'boolean') copy[key] = value;
    else if (typeof value === 'string') copy[key] = value.slice(0, 200);
  }
  return copy;
}

function attributedData(a: ActivityReceivedData, contact: ContactRow): ActivityAttributedData {
  return {
    activityId: a.activityId,
    messageId: a.messageId,
    contactId: contact.id,
    kind: a.kind,
    name: a.name,
    properties: a.properties,
    traits: a.traits,
    occurredAt: a.occurredAt,
    receivedAt: a.receivedAt,
    source: a.source,
    anonymous: contact.anonymous,
    emailValid: a.emailValid,
    phoneValid: a.phoneValid,
  };
}

function changedData(row: ContactRow): ContactChangedData {
  return {
    contactId: row.id,
    email: row.email,
    phone: row.phone,
    firstName: row.first_name,
    lastName: row.last_name,
    country: row.country,
  };
}
