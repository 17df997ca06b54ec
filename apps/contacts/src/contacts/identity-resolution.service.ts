import {
  type ContactChangedData,
  type EventEnvelope,
  EventTypes,
  type LeadAttributedData,
  type LeadIngestedData,
} from '@leadflow/contracts';
import { ConsumesEvents, type EventBatch, type NewEvent, Outbox } from '@leadflow/messaging';
import { hashOfNormalizedIdentity } from '@leadflow/normalization';
import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { v7 as uuidv7 } from 'uuid';
import { type Identity, identitiesOf, identityLockKey, type PersonalIdentityKind, survivorOf } from './identity';
import { absorbInto, newContactRow } from './contact-fields';
import type { ContactRow } from './contact-row';
import { attributeInRuns, notYetAttributed } from './attribution-runs';
import { type Attribution, ContactsRepository, type IdentityClaim } from './contacts.repository';
import { ErasedIdentitiesRepository } from './erased-identities.repository';
import { lockLiveContacts } from './live-contacts';

/**
 * Turns ingested leads into contacts: one contact per person in a workspace, found by normalized
 * email or E.164 phone. Leads of one identity are serialized by advisory locks taken in a fixed
 * order, and the identity table's primary key refuses a second contact for one identity even if
 * the code were wrong. A lead whose email and phone belong to two contacts merges them.
 */
@Injectable()
export class IdentityResolutionService {
  constructor(
    private readonly contacts: ContactsRepository,
    private readonly erased: ErasedIdentitiesRepository,
    private readonly outbox: Outbox,
  ) {}

  /**
   * Leads that arrive together are resolved together: one statement per step for the whole run
   * (locks, owners, new contacts, identities, attributions, events) instead of one per lead. When a
   * lead ties two contacts together, the leads before it are written, the contacts are merged, and
   * resolution goes on from that lead. A lead attributed before is skipped, and its attribution's
   * primary key fails a transaction that resolves it concurrently (its batch is applied again, one
   * lead each, and skips it): no inbox row is needed (`idempotent`).
   */
  @ConsumesEvents(EventTypes.leadIngested, { idempotent: true })
  async onLeadsIngested(events: EventBatch<typeof EventTypes.leadIngested>, manager: EntityManager): Promise<void> {
    const attributed = await this.contacts.attributedLeadIds(
      manager,
      events.map((event) => event.data.leadId),
    );
    await attributeInRuns(
      notYetAttributed(events, attributed, (event) => event.data.leadId),
      (run) => this.resolveTogether(manager, run),
      (event) => this.mergeOwners(manager, event),
      (event) => `lead ${event.data.leadId}`,
    );
  }

  /**
   * Resolves the leading events that need no merge, with a fixed number of statements; returns
   * how many it resolved. The events are planned in order against the locked state, as if applied
   * one after the other, then written together.
   */
  private async resolveTogether(manager: EntityManager, events: Array<EventEnvelope<LeadIngestedData>>): Promise<number> {
    const identitiesByEvent = events.map((event) => identitiesOf(event.data));
    await this.contacts.lockKeys(
      manager,
      events.flatMap((event, i) => (identitiesByEvent[i] ?? []).map((identity) => identityLockKey(event.workspaceId, identity))),
    );
    const recorded = await this.contacts.identityOwners(
      manager,
      events.flatMap((event, i) => (identitiesByEvent[i] ?? []).map((identity) => ({ workspaceId: event.workspaceId, ...identity }))),
    );
    const ownerOf = new Map(recorded.map((owner) => [ownerKey(owner.workspaceId, owner), owner.contactId]));
    const { live, survivorOf: current } = await this.lockLive(manager, [...new Set(ownerOf.values())]);
    // Read under the identities' locks, which an erasure holds until it commits.
    const erasedEvents = await this.erasedEvents(manager, events, identitiesByEvent);

    const created: ContactRow[] = [];
    const touched = new Set<ContactRow>();
    const claims: IdentityClaim[] = [];
    const attributions: Attribution[] = [];
    const outboxEvents: NewEvent[] = [];
    let resolved = 0;
    for (const [i, event] of events.entries()) {
      const lead = event.data;
      const identities = identitiesByEvent[i] ?? [];
      if (erasedEvents.has(event)) {
        // A lead of an erased person that was on its way when they were erased: it makes no contact.
        resolved += 1;
        continue;
      }
      const owners = new Set<string>();
      for (const identity of identities) {
        const owner = ownerOf.get(ownerKey(event.workspaceId, identity));
        if (owner) owners.add(current.get(owner) ?? owner);
      }
      if (owners.size > 1) break;
      const [ownerId] = owners;
      const existing = ownerId === undefined ? undefined : live.get(ownerId);
      if (ownerId !== undefined && !existing) throw new Error(`contact ${ownerId} owns an identity but could not be locked`);
      let contact: ContactRow;
      if (existing) {
        contact = existing;
        absorbInto(contact, lead, identities);
        if (!created.includes(contact)) touched.add(contact);
      } else {
        contact = newContactRow(event.workspaceId, lead, identities);
        created.push(contact);
        live.set(contact.id, contact);
      }
      for (const identity of identities) {
        const key = ownerKey(event.workspaceId, identity);
        if (ownerOf.has(key)) continue;
        ownerOf.set(key, contact.id);
        claims.push({ workspaceId: event.workspaceId, identity, contactId: contact.id });
      }
      attributions.push({ leadId: lead.leadId, workspaceId: event.workspaceId, contactId: contact.id, receivedAt: lead.receivedAt });
      const isNewContact = !existing;
      // A new contact is announced by contact.created_from_lead, which names its lead, and the
      // lead.attributed names that event: consumers that count or keep new contacts take them from
      // lead.attributed and are not delivered the other.
      const createdEventId = isNewContact ? uuidv7() : undefined;
      outboxEvents.push(
        createdEventId
          ? {
              id: createdEventId,
              type: EventTypes.contactCreatedFromLead,
              workspaceId: event.workspaceId,
              correlationId: event.correlationId,
              data: { ...changedData(contact), leadId: lead.leadId },
            }
          : {
              type: EventTypes.contactUpdated,
              workspaceId: event.workspaceId,
              correlationId: event.correlationId,
              data: changedData(contact),
            },
        {
          type: EventTypes.leadAttributed,
          workspaceId: event.workspaceId,
          correlationId: event.correlationId,
          data: attributedData(lead, contact.id, createdEventId),
        },
      );
      resolved += 1;
    }
    if (resolved === 0) return 0;

    await this.contacts.insertContacts(manager, created);
    await this.contacts.updateContacts(manager, [...touched]);
    await this.contacts.insertIdentities(manager, claims);
    await this.contacts.insertAttributions(manager, attributions);
    await this.outbox.addMany(manager, outboxEvents);
    return resolved;
  }

  /** The events carrying an identity that was erased (GDPR) in their workspace. */
  private async erasedEvents(
    manager: EntityManager,
    events: ReadonlyArray<EventEnvelope<LeadIngestedData>>,
    identitiesByEvent: Array<Array<Identity<PersonalIdentityKind>>>,
  ): Promise<Set<EventEnvelope<LeadIngestedData>>> {
    const hashesByEvent = identitiesByEvent.map((identities) => identities.map((i) => hashOfNormalizedIdentity(i.kind, i.value)));
    const erased = await this.erased.erasedAmong(
      manager,
      events.flatMap((event, i) => (hashesByEvent[i] ?? []).map((hash) => ({ workspaceId: event.workspaceId, hash }))),
    );
    if (erased.size === 0) return new Set();
    return new Set(events.filter((event, i) => (hashesByEvent[i] ?? []).some((hash) => erased.has(`${event.workspaceId}\u0000${hash}`))));
  }

  /** Merges the contacts that own this lead's identities into the oldest of them. */
  private async mergeOwners(manager: EntityManager, event: EventEnvelope<LeadIngestedData>): Promise<void> {
    const identities = identitiesOf(event.data);
    await this.contacts.lockKeys(
      manager,
      identities.map((identity) => identityLockKey(event.workspaceId, identity)),
    );
    const [oldest, ...others] = await this.liveOwners(manager, event.workspaceId, identities);
    if (!oldest) return;
    let survivor = oldest;
    for (const other of others) survivor = await this.merge(manager, event.workspaceId, survivor, other);
  }

  private lockLive(manager: EntityManager, ids: string[]): ReturnType<typeof lockLiveContacts> {
    return lockLiveContacts(this.contacts, manager, ids);
  }

  /**
   * The live contacts owning these identities, locked, oldest first. A contact merged by a
   * transaction that committed while we waited is followed to its survivor.
   */
  private async liveOwners(manager: EntityManager, workspaceId: string, identities: Identity[]): Promise<ContactRow[]> {
    if (identities.length === 0) return [];
    const { live } = await this.lockLive(manager, await this.contacts.contactIdsOwning(manager, workspaceId, identities));
    return [...live.values()].sort((a, b) => (survivorOf(a, b).survivor === a ? -1 : 1));
  }

  /** Folds one contact into the other (the older survives): identities and leads move over. */
  private async merge(manager: EntityManager, workspaceId: string, a: ContactRow, b: ContactRow): Promise<ContactRow> {
    const { survivor, merged } = survivorOf(a, b);
    const updated = await this.contacts.merge(manager, workspaceId, survivor.id, merged.id);
    await this.outbox.add(manager, {
      type: EventTypes.contactMerged,
      workspaceId,
      data: { survivorId: survivor.id, mergedId: merged.id },
    });
    return updated;
  }
}

function ownerKey(workspaceId: string, identity: Identity): string {
  return `${identity.kind}\u0000${identity.value}\u0000${workspaceId}`;
}

function attributedData(lead: LeadIngestedData, contactId: string, contactCreatedEventId: string | undefined): LeadAttributedData {
  return {
    leadId: lead.leadId,
    contactId,
    isNewContact: contactCreatedEventId !== undefined,
    source: lead.source,
    offer: lead.offer,
    country: lead.country,
    receivedAt: lead.receivedAt,
    emailValid: lead.emailValid,
    phoneValid: lead.phoneValid,
    ...(contactCreatedEventId === undefined ? {} : { contactCreatedEventId }),
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
