import {
  type ContactChangedData,
  type ContactMergedData,
  type EventEnvelope,
  EventTypes,
  type LeadAttributedData,
  type LeadIngestedData,
} from '@leadflow/contracts';
import { qualifiedTable } from '@leadflow/database';
import { HandlesEvent, Outbox } from '@leadflow/messaging';
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

  @HandlesEvent(EventTypes.leadIngested)
  async onLeadIngested(event: EventEnvelope<LeadIngestedData>, manager: EntityManager): Promise<void> {
    const lead = event.data;
    const workspaceId = event.workspaceId;
    const [already] = (await manager.query(`SELECT 1 FROM ${this.leads} WHERE "lead_id" = $1`, [lead.leadId])) as unknown[];
    if (already) return;

    const identities = identitiesOf(lead);
    await this.lockIdentities(manager, workspaceId, identities);

    const owners = await this.liveOwners(manager, workspaceId, identities);
    let contact: ContactRow;
    let isNewContact = false;
    if (owners.length === 0) {
      contact = await this.create(manager, workspaceId, lead);
      isNewContact = true;
    } else {
      contact = owners[0] as ContactRow;
      for (const other of owners.slice(1)) contact = await this.merge(manager, workspaceId, contact, other);
    }
    await this.claim(manager, workspaceId, contact.id, identities);
    // A contact made from this lead already holds what the lead knows.
    const updated = isNewContact ? contact : await this.absorb(manager, contact, lead);
    await manager.query(`INSERT INTO ${this.leads} ("lead_id", "workspace_id", "contact_id", "received_at") VALUES ($1, $2, $3, $4)`, [
      lead.leadId,
      workspaceId,
      contact.id,
      lead.receivedAt,
    ]);

    await this.outbox.addMany<ContactChangedData | LeadAttributedData>(manager, [
      {
        type: isNewContact ? EventTypes.contactCreated : EventTypes.contactUpdated,
        workspaceId,
        data: changedData(updated),
      },
      {
        type: EventTypes.leadAttributed,
        workspaceId,
        data: {
          leadId: lead.leadId,
          contactId: contact.id,
          isNewContact,
          source: lead.source,
          offer: lead.offer,
          country: lead.country,
          receivedAt: lead.receivedAt,
          emailValid: lead.emailValid,
          phoneValid: lead.phoneValid,
        },
      },
    ]);
  }

  /**
   * Serializes work on these identities across handlers and replicas: one advisory lock per
   * identity, all taken by one statement in one fixed order, so two leads never wait on each other
   * in a cycle.
   */
  private async lockIdentities(manager: EntityManager, workspaceId: string, identities: Identity[]): Promise<void> {
    if (identities.length === 0) return;
    await manager.query(
      `SELECT pg_advisory_xact_lock(hashtextextended("key", 0))
       FROM (SELECT "key" FROM unnest($1::text[]) AS k("key") ORDER BY "key" COLLATE "C") AS ordered`,
      [identities.map((identity) => identityLockKey(workspaceId, identity))],
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
    const live = new Map<string, ContactRow>();
    let pending = rows.map((row) => row.contact_id);
    while (pending.length > 0) {
      const locked = (await manager.query(`SELECT * FROM ${this.contacts} WHERE "id" = ANY($1::uuid[]) ORDER BY "id" FOR UPDATE`, [
        pending,
      ])) as ContactRow[];
      pending = [];
      for (const row of locked) {
        if (row.merged_into) {
          if (!live.has(row.merged_into)) pending.push(row.merged_into);
        } else live.set(row.id, row);
      }
    }
    return [...live.values()].sort((a, b) => (survivorOf(a, b).survivor === a ? -1 : 1));
  }

  private async create(manager: EntityManager, workspaceId: string, lead: LeadIngestedData): Promise<ContactRow> {
    const [row] = (await manager.query(
      `INSERT INTO ${this.contacts} ("id", "workspace_id", "email", "phone", "first_name", "last_name", "country", "created_at", "updated_at")
       VALUES ($1, $2, $3, $4, $5, $6, $7, clock_timestamp(), clock_timestamp()) RETURNING *`,
      [uuidv7(), workspaceId, lead.email, lead.phone, lead.firstName, lead.lastName, lead.country],
    )) as ContactRow[];
    return row as ContactRow;
  }

  /** Gives the contact every identity of the lead it does not have yet. */
  private async claim(manager: EntityManager, workspaceId: string, contactId: string, identities: Identity[]): Promise<void> {
    if (identities.length === 0) return;
    // Under the identities' locks, and after every other owner was merged into this contact, an
    // existing row can only be this contact's own.
    await manager.query(
      `INSERT INTO ${this.identities} ("workspace_id", "kind", "value", "contact_id")
       SELECT $1::text, "kind", "value", $4::uuid FROM unnest($2::text[], $3::text[]) AS i("kind", "value")
       ON CONFLICT ("workspace_id", "kind", "value") DO NOTHING`,
      [workspaceId, identities.map((i) => i.kind), identities.map((i) => i.value), contactId],
    );
  }

  /** Fills what the contact does not know yet from the lead. */
  private async absorb(manager: EntityManager, contact: ContactRow, lead: LeadIngestedData): Promise<ContactRow> {
    const [row] = (await manager.query(
      `UPDATE ${this.contacts} SET
         "email" = COALESCE("email", $2), "phone" = COALESCE("phone", $3), "first_name" = COALESCE("first_name", $4),
         "last_name" = COALESCE("last_name", $5), "country" = COALESCE("country", $6), "updated_at" = clock_timestamp()
       WHERE "id" = $1 RETURNING *`,
      [contact.id, lead.emailValid ? lead.email : null, lead.phoneValid ? lead.phone : null, lead.firstName, lead.lastName, lead.country],
    )) as [ContactRow[], number];
    return (row as ContactRow[])[0] as ContactRow;
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
    await this.outbox.add<ContactMergedData>(manager, {
      type: EventTypes.contactMerged,
      workspaceId,
      data: { survivorId: survivor.id, mergedId: merged.id },
    });
    return (rows as ContactRow[])[0] as ContactRow;
  }
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
