import {
  type ContactChangedData,
  type EventEnvelope,
  EventTypes,
  type LeadAttributedData,
  type LeadIngestedData,
} from '@leadflow/contracts';
import { qualifiedTable } from '@leadflow/database';
import { ConsumesEvents, type EventBatch, type NewEvent, Outbox } from '@leadflow/messaging';
import { runWithRequestId } from '@leadflow/logging';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';
import { v7 as uuidv7 } from 'uuid';
import { type Identity, identitiesOf, identityLockKey, survivorOf } from './identity';
import type { ContactRow } from './contact-row';

/**
 * Turns ingested leads into contacts: one contact per person in a workspace, found by normalized
 * email or E.164 phone. Leads of one identity are serialized by advisory locks taken in a fixed
 * order, and the identity table's primary key refuses a second contact for one identity even if
 * the code were wrong. A lead whose email and phone belong to two contacts merges them.
 */
@Injectable()
export class IdentityResolutionService {
  private readonly contacts: string;
  private readonly identities: string;
  private readonly leads: string;

  constructor(
    @InjectDataSource() dataSource: DataSource,
    private readonly outbox: Outbox,
  ) {
    this.contacts = qualifiedTable(dataSource, 'contacts');
    this.identities = qualifiedTable(dataSource, 'contact_identities');
    this.leads = qualifiedTable(dataSource, 'contact_leads');
  }

  /**
   * Leads that arrive together are resolved together: one statement per step for the whole run
   * (locks, owners, new contacts, identities, attributions, events) instead of one per lead. When a
   * lead ties two contacts together, the leads before it are written, the contacts are merged, and
   * resolution goes on from that lead.
   */
  @ConsumesEvents(EventTypes.leadIngested)
  async onLeadsIngested(events: EventBatch<typeof EventTypes.leadIngested>, manager: EntityManager): Promise<void> {
    let pending = await this.unattributed(manager, events);
    let merged: EventEnvelope<LeadIngestedData> | undefined;
    while (pending.length > 0) {
      pending = pending.slice(await this.resolveTogether(manager, pending));
      const tying = pending[0];
      if (!tying) break;
      if (tying === merged) throw new Error(`lead ${tying.data.leadId} still ties several contacts after their merge`);
      await runWithRequestId(tying.correlationId, () => this.mergeOwners(manager, tying));
      merged = tying;
    }
  }

  /** The events whose leads are not attributed yet; a lead delivered twice in one run counts once. */
  private async unattributed(
    manager: EntityManager,
    events: EventBatch<typeof EventTypes.leadIngested>,
  ): Promise<Array<EventEnvelope<LeadIngestedData>>> {
    const rows = (await manager.query(`SELECT "lead_id" FROM ${this.leads} WHERE "lead_id" = ANY($1::uuid[])`, [
      events.map((event) => event.data.leadId),
    ])) as Array<{ lead_id: string }>;
    const seen = new Set(rows.map((row) => row.lead_id));
    return events.filter((event) => {
      const leadId = event.data.leadId.toLowerCase();
      if (seen.has(leadId)) return false;
      seen.add(leadId);
      return true;
    });
  }

  /**
   * Resolves the leading events that need no merge, with a fixed number of statements; returns
   * how many it resolved. The events are planned in order against the locked state, as if applied
   * one after the other, then written together.
   */
  private async resolveTogether(manager: EntityManager, events: Array<EventEnvelope<LeadIngestedData>>): Promise<number> {
    const identitiesByEvent = events.map((event) => identitiesOf(event.data));
    await this.lockKeys(
      manager,
      events.flatMap((event, i) => (identitiesByEvent[i] ?? []).map((identity) => identityLockKey(event.workspaceId, identity))),
    );
    const ownerOf = await this.identityOwners(
      manager,
      events.flatMap((event, i) => (identitiesByEvent[i] ?? []).map((identity) => ({ workspaceId: event.workspaceId, ...identity }))),
    );
    const { live, survivorOf: current } = await this.lockLive(manager, [...new Set(ownerOf.values())]);

    const created: ContactRow[] = [];
    const touched = new Set<ContactRow>();
    const claims: Array<{ workspaceId: string; identity: Identity; contactId: string }> = [];
    const attributions: Array<{ leadId: string; workspaceId: string; contactId: string; receivedAt: string }> = [];
    const outboxEvents: NewEvent[] = [];
    let resolved = 0;
    for (const [i, event] of events.entries()) {
      const lead = event.data;
      const identities = identitiesByEvent[i] ?? [];
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
        absorbInto(contact, lead);
        if (!created.includes(contact)) touched.add(contact);
      } else {
        contact = newContactRow(event.workspaceId, lead);
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
      outboxEvents.push(
        {
          type: isNewContact ? EventTypes.contactCreated : EventTypes.contactUpdated,
          workspaceId: event.workspaceId,
          correlationId: event.correlationId,
          data: changedData(contact),
        },
        {
          type: EventTypes.leadAttributed,
          workspaceId: event.workspaceId,
          correlationId: event.correlationId,
          data: attributedData(lead, contact.id, isNewContact),
        },
      );
      resolved += 1;
    }
    if (resolved === 0) return 0;

    await this.insertContacts(manager, created);
    await this.updateContacts(manager, [...touched]);
    await this.insertIdentities(manager, claims);
    await manager.query(
      `INSERT INTO ${this.leads} ("lead_id", "workspace_id", "contact_id", "received_at")
       SELECT * FROM unnest($1::uuid[], $2::text[], $3::uuid[], $4::timestamptz[])`,
      [
        attributions.map((a) => a.leadId),
        attributions.map((a) => a.workspaceId),
        attributions.map((a) => a.contactId),
        attributions.map((a) => a.receivedAt),
      ],
    );
    await this.outbox.addMany(manager, outboxEvents);
    return resolved;
  }

  /** Merges the contacts that own this lead's identities into the oldest of them. */
  private async mergeOwners(manager: EntityManager, event: EventEnvelope<LeadIngestedData>): Promise<void> {
    const identities = identitiesOf(event.data);
    await this.lockKeys(
      manager,
      identities.map((identity) => identityLockKey(event.workspaceId, identity)),
    );
    const [oldest, ...others] = await this.liveOwners(manager, event.workspaceId, identities);
    if (!oldest) return;
    let survivor = oldest;
    for (const other of others) survivor = await this.merge(manager, event.workspaceId, survivor, other);
  }

  /**
   * Serializes work on these identities across handlers and replicas: one advisory lock per
   * identity key, all taken by one statement in one fixed order, so two transactions never wait on
   * each other in a cycle.
   */
  private async lockKeys(manager: EntityManager, keys: string[]): Promise<void> {
    if (keys.length === 0) return;
    await manager.query(
      `SELECT pg_advisory_xact_lock(hashtextextended("key", 0))
       FROM (SELECT "key" FROM unnest($1::text[]) AS k("key") ORDER BY "key" COLLATE "C") AS ordered`,
      [keys],
    );
  }

  /** The contact recorded for each of these identities, by `ownerKey`. */
  private async identityOwners(
    manager: EntityManager,
    identities: Array<Identity & { workspaceId: string }>,
  ): Promise<Map<string, string>> {
    if (identities.length === 0) return new Map();
    const rows = (await manager.query(
      `SELECT "workspace_id", "kind", "value", "contact_id" FROM ${this.identities}
       WHERE ("workspace_id", "kind", "value") IN (SELECT * FROM unnest($1::text[], $2::text[], $3::text[]))`,
      [identities.map((i) => i.workspaceId), identities.map((i) => i.kind), identities.map((i) => i.value)],
    )) as Array<{ workspace_id: string; kind: Identity['kind']; value: string; contact_id: string }>;
    return new Map(rows.map((row) => [ownerKey(row.workspace_id, row), row.contact_id]));
  }

  /**
   * Locks these contacts and, for those merged away, their survivors (a merge that committed while
   * we waited is followed). Returns the live ones and, for every id, the live contact it stands for.
   */
  private async lockLive(
    manager: EntityManager,
    ids: string[],
  ): Promise<{ live: Map<string, ContactRow>; survivorOf: Map<string, string> }> {
    const live = new Map<string, ContactRow>();
    const mergedInto = new Map<string, string>();
    let pending = ids;
    while (pending.length > 0) {
      const locked = (await manager.query(`SELECT * FROM ${this.contacts} WHERE "id" = ANY($1::uuid[]) ORDER BY "id" FOR UPDATE`, [
        pending,
      ])) as ContactRow[];
      pending = [];
      for (const row of locked) {
        if (row.merged_into) {
          mergedInto.set(row.id, row.merged_into);
          if (!live.has(row.merged_into) && !mergedInto.has(row.merged_into)) pending.push(row.merged_into);
        } else live.set(row.id, row);
      }
    }
    const survivorOf = new Map<string, string>();
    for (const id of ids) {
      let at = id;
      for (let hops = 0; mergedInto.has(at) && hops <= mergedInto.size; hops += 1) at = mergedInto.get(at) as string;
      survivorOf.set(id, at);
    }
    return { live, survivorOf };
  }

  private async insertContacts(manager: EntityManager, rows: ContactRow[]): Promise<void> {
    if (rows.length === 0) return;
    // clock_timestamp() per row, in order: the first contact of a person is the oldest, as if
    // each had been created by its own transaction.
    const inserted = (await manager.query(
      `INSERT INTO ${this.contacts} ("id", "workspace_id", "email", "phone", "first_name", "last_name", "country", "created_at", "updated_at")
       SELECT "id", "workspace_id", "email", "phone", "first_name", "last_name", "country", clock_timestamp(), clock_timestamp()
       FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[]) WITH ORDINALITY
         AS c("id", "workspace_id", "email", "phone", "first_name", "last_name", "country", "ord")
       ORDER BY "ord"
       RETURNING "id"`,
      [
        rows.map((r) => r.id),
        rows.map((r) => r.workspace_id),
        rows.map((r) => r.email),
        rows.map((r) => r.phone),
        rows.map((r) => r.first_name),
        rows.map((r) => r.last_name),
        rows.map((r) => r.country),
      ],
    )) as Array<{ id: string }>;
    if (inserted.length !== rows.length) throw new Error(`inserted ${inserted.length} of ${rows.length} contacts`);
  }

  /** Writes what the contacts learned from the leads (their fields as planned). */
  private async updateContacts(manager: EntityManager, rows: ContactRow[]): Promise<void> {
    if (rows.length === 0) return;
    await manager.query(
      `UPDATE ${this.contacts} AS c SET "email" = u."email", "phone" = u."phone", "first_name" = u."first_name",
         "last_name" = u."last_name", "country" = u."country", "updated_at" = clock_timestamp()
       FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[])
         AS u("id", "email", "phone", "first_name", "last_name", "country")
       WHERE c."id" = u."id"`,
      [
        rows.map((r) => r.id),
        rows.map((r) => r.email),
        rows.map((r) => r.phone),
        rows.map((r) => r.first_name),
        rows.map((r) => r.last_name),
        rows.map((r) => r.country),
      ],
    );
  }

  private async insertIdentities(
    manager: EntityManager,
    claims: Array<{ workspaceId: string; identity: Identity; contactId: string }>,
  ): Promise<void> {
    if (claims.length === 0) return;
    // Under the identities' locks an identity not recorded above has no owner yet.
    await manager.query(
      `INSERT INTO ${this.identities} ("workspace_id", "kind", "value", "contact_id")
       SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::uuid[])`,
      [
        claims.map((c) => c.workspaceId),
        claims.map((c) => c.identity.kind),
        claims.map((c) => c.identity.value),
        claims.map((c) => c.contactId),
      ],
    );
  }

  /**
   * The live contacts owning these identities, locked, oldest first. A contact merged by a
   * transaction that committed while we waited is followed to its survivor.
   */
  private async liveOwners(manager: EntityManager, workspaceId: string, identities: Identity[]): Promise<ContactRow[]> {
    if (identities.length === 0) return [];
    const rows = (await manager.query(
      `SELECT DISTINCT "contact_id" FROM ${this.identities}
       WHERE "workspace_id" = $1 AND ("kind", "value") IN (SELECT * FROM unnest($2::text[], $3::text[]))`,
      [workspaceId, identities.map((i) => i.kind), identities.map((i) => i.value)],
    )) as Array<{ contact_id: string }>;
    const { live } = await this.lockLive(
      manager,
      rows.map((row) => row.contact_id),
    );
    return [...live.values()].sort((a, b) => (survivorOf(a, b).survivor === a ? -1 : 1));
  }

  /** Folds one contact into the other (the older survives): identities and leads move over. */
  private async merge(manager: EntityManager, workspaceId: string, a: ContactRow, b: ContactRow): Promise<ContactRow> {
    const { survivor, merged } = survivorOf(a, b);
    await manager.query(`UPDATE ${this.identities} SET "contact_id" = $1 WHERE "contact_id" = $2`, [survivor.id, merged.id]);
    await manager.query(`UPDATE ${this.leads} SET "contact_id" = $1 WHERE "contact_id" = $2`, [survivor.id, merged.id]);
    await manager.query(
      `UPDATE ${this.contacts} SET "merged_into" = $1, "updated_at" = clock_timestamp() WHERE "merged_into" = $2 OR "id" = $2`,
      [survivor.id, merged.id],
    );
    const [rows] = (await manager.query(
      `UPDATE ${this.contacts} s SET
         "email" = COALESCE(s."email", m."email"), "phone" = COALESCE(s."phone", m."phone"),
         "first_name" = COALESCE(s."first_name", m."first_name"), "last_name" = COALESCE(s."last_name", m."last_name"),
         "country" = COALESCE(s."country", m."country"), "updated_at" = clock_timestamp()
       FROM ${this.contacts} m WHERE s."id" = $1 AND m."id" = $2 RETURNING s.*`,
      [survivor.id, merged.id],
    )) as [ContactRow[], number];
    await this.outbox.add(manager, {
      type: EventTypes.contactMerged,
      workspaceId,
      data: { survivorId: survivor.id, mergedId: merged.id },
    });
    return (rows as ContactRow[])[0] as ContactRow;
  }
}

function ownerKey(workspaceId: string, identity: Identity): string {
  return `${identity.kind}\u0000${identity.value}\u0000${workspaceId}`;
}

/** A contact made from a lead, before it is inserted. */
function newContactRow(workspaceId: string, lead: LeadIngestedData): ContactRow {
  const now = new Date();
  return {
    id: uuidv7(),
    workspace_id: workspaceId,
    email: lead.email,
    phone: lead.phone,
    first_name: lead.firstName,
    last_name: lead.lastName,
    country: lead.country,
    created_at: now,
    updated_at: now,
    merged_into: null,
  };
}

/** What `absorb` writes, applied to a row in memory. */
function absorbInto(contact: ContactRow, lead: LeadIngestedData): void {
  contact.email ??= lead.emailValid ? lead.email : null;
  contact.phone ??= lead.phoneValid ? lead.phone : null;
  contact.first_name ??= lead.firstName;
  contact.last_name ??= lead.lastName;
  contact.country ??= lead.country;
}

function attributedData(lead: LeadIngestedData, contactId: string, isNewContact: boolean): LeadAttributedData {
  return {
    leadId: lead.leadId,
    contactId,
    isNewContact,
    source: lead.source,
    offer: lead.offer,
    country: lead.country,
    receivedAt: lead.receivedAt,
    emailValid: lead.emailValid,
    phoneValid: lead.phoneValid,
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
