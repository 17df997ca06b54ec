import type { ErasureRecord, IdentityKind } from '@leadflow/contracts';
import { qualifiedTable } from '@leadflow/database';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';

interface ErasureRow {
  id: string;
  workspace_id: string;
  contact_id: string;
  requested_by: string;
  requested_at: Date;
  lead_ids: string[];
  merged_contact_ids: string[];
  email_hashes: string[];
  phone_hashes: string[];
  summary: Record<string, number | string | boolean>;
}

export interface StoredErasure {
  record: ErasureRecord;
  summary: Record<string, number | string | boolean>;
}

function storedOf(row: ErasureRow): StoredErasure {
  return {
    record: {
      id: row.id,
      workspaceId: row.workspace_id,
      contactId: row.contact_id,
      requestedBy: row.requested_by,
      requestedAt: row.requested_at.toISOString(),
      leadIds: row.lead_ids,
      mergedContactIds: row.merged_contact_ids,
      emailHashes: row.email_hashes,
      phoneHashes: row.phone_hashes,
    },
    summary: row.summary,
  };
}

/** What contacts holds of a person, found before it is erased or to export it. */
export interface PersonData {
  /** The contact and those merged into it, as rows. */
  contacts: Array<Record<string, unknown>>;
  identities: Array<{ kind: IdentityKind; value: string; created_at: Date }>;
  leadIds: string[];
}

/** All SQL of GDPR in contacts: the erasure records, and finding, redacting and exporting a person's rows. */
@Injectable()
export class ErasureRepository {
  private readonly contacts: string;
  private readonly identities: string;
  private readonly leads: string;
  private readonly erasures: string;
  private readonly erased: string;
  private readonly activities: string;

  constructor(@InjectDataSource() private readonly dataSource: DataSource) {
    this.contacts = qualifiedTable(dataSource, 'contacts');
    this.identities = qualifiedTable(dataSource, 'contact_identities');
    this.leads = qualifiedTable(dataSource, 'contact_leads');
    this.erasures = qualifiedTable(dataSource, 'erasures');
    this.erased = qualifiedTable(dataSource, 'erased_identities');
    this.activities = qualifiedTable(dataSource, 'contact_activities');
  }

  /** The live contact a contact id stands for (itself, or the survivor it was merged into), locked. */
  async lockSurvivor(manager: EntityManager, workspaceId: string, id: string): Promise<string | undefined> {
    const [row] = (await manager.query(
      `SELECT COALESCE(c."merged_into", c."id") AS "id" FROM ${this.contacts} c WHERE c."workspace_id" = $1 AND c."id" = $2`,
      [workspaceId, id],
    )) as Array<{ id: string }>;
    if (!row) return undefined;
    const [locked] = (await manager.query(`SELECT "id" FROM ${this.contacts} WHERE "workspace_id" = $1 AND "id" = $2 FOR UPDATE`, [
      workspaceId,
      row.id,
    ])) as Array<{ id: string }>;
    return locked?.id;
  }

  /** The contact (live or merged into it), its identities and its leads. */
  async personOf(manager: EntityManager | DataSource, workspaceId: string, contactId: string): Promise<PersonData> {
    const contacts = (await manager.query(
      `SELECT to_jsonb(c) - 'email_identity_kind' - 'phone_identity_kind' - 'live' AS "row" FROM ${this.contacts} c
       WHERE c."workspace_id" = $1 AND (c."id" = $2 OR c."merged_into" = $2) ORDER BY (c."id" = $2) DESC, c."id"`,
      [workspaceId, contactId],
    )) as Array<{ row: Record<string, unknown> }>;
    const ids = contacts.map(({ row }) => row['id'] as string);
    const identities = (await manager.query(
      `SELECT "kind", "value", "created_at" FROM ${this.identities} WHERE "workspace_id" = $1 AND "contact_id" = ANY($2::uuid[])
       ORDER BY "kind", "value"`,
      [workspaceId, ids],
    )) as PersonData['identities'];
    const leads = (await manager.query(
      `SELECT "lead_id" FROM ${this.leads} WHERE "workspace_id" = $1 AND "contact_id" = ANY($2::uuid[]) ORDER BY "lead_id"`,
      [workspaceId, ids],
    )) as Array<{ lead_id: string }>;
    return { contacts: contacts.map(({ row }) => row), identities, leadIds: leads.map((lead) => lead.lead_id) };
  }

  /**
   * Redacts these contacts (the erased one and those merged into it): personal fields emptied,
   * marked erased and deleted, version bumped; their identities (of every kind: email, phone, user
   * and anonymous ids) and their activities removed. Returns how many of each.
   */
  async redactContacts(
    manager: EntityManager,
    workspaceId: string,
    ids: readonly string[],
  ): Promise<{ contacts: number; identities: number; activities: number }> {
    const [, identities] = (await manager.query(
      `DELETE FROM ${this.identities} WHERE "workspace_id" = $1 AND "contact_id" = ANY($2::uuid[])`,
      [workspaceId, ids],
    )) as [unknown, number];
    const [, activities] = (await manager.query(
      `DELETE FROM ${this.activities} WHERE "workspace_id" = $1 AND "contact_id" = ANY($2::uuid[])`,
      [workspaceId, ids],
    )) as [unknown, number];
    const [, contacts] = (await manager.query(
      `UPDATE ${this.contacts} SET "email" = NULL, "phone" = NULL, "first_name" = NULL, "last_name" = NULL, "country" = NULL,
         "company" = NULL, "title" = NULL, "tags" = '{}', "properties" = '{}', "parse_issues" = '[]',
         "erased_at" = now(), "deleted_at" = COALESCE("deleted_at", now()), "version" = "version" + 1, "updated_at" = now()
       WHERE "workspace_id" = $1 AND "id" = ANY($2::uuid[])`,
      [workspaceId, ids],
    )) as [unknown, number];
    return { contacts, identities, activities };
  }

  /**
   * `trackerHashes`: hashes of the person's user and anonymous ids, kept among the erased identities
   * (so later activities naming them make no contact) but not in the record or `contact.erased`.
   */
  async insertErasure(
    manager: EntityManager,
    erasure: ErasureRecord,
    summary: StoredErasure['summary'],
    trackerHashes: readonly string[] = [],
  ): Promise<StoredErasure> {
    const [row] = (await manager.query(
      `INSERT INTO ${this.erasures} ("id", "workspace_id", "contact_id", "requested_by", "lead_ids", "merged_contact_ids",
         "email_hashes", "phone_hashes", "summary")
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING *`,
      [
        erasure.id,
        erasure.workspaceId,
        erasure.contactId,
        erasure.requestedBy,
        erasure.leadIds,
        erasure.mergedContactIds,
        erasure.emailHashes,
        erasure.phoneHashes,
        JSON.stringify(summary),
      ],
    )) as ErasureRow[];
    if (!row) throw new Error('the erasure was not stored');
    await manager.query(
      `INSERT INTO ${this.erased} ("workspace_id", "hash", "erasure_id") SELECT $1, h, $2 FROM unnest($3::text[]) AS h
       ON CONFLICT DO NOTHING`,
      [erasure.workspaceId, erasure.id, [...erasure.emailHashes, ...erasure.phoneHashes, ...trackerHashes]],
    );
    return storedOf(row);
  }

  /** The erasure of a contact (or of the contact it was merged into). */
  async findByContact(manager: EntityManager | DataSource, workspaceId: string, contactId: string): Promise<StoredErasure | undefined> {
    const [row] = (await manager.query(
      `SELECT * FROM ${this.erasures} WHERE "workspace_id" = $1 AND ("contact_id" = $2 OR $2 = ANY("merged_contact_ids"))`,
      [workspaceId, contactId],
    )) as ErasureRow[];
    return row ? storedOf(row) : undefined;
  }

  async find(workspaceId: string, id: string): Promise<StoredErasure | undefined> {
    const [row] = (await this.dataSource.query(`SELECT * FROM ${this.erasures} WHERE "workspace_id" = $1 AND "id" = $2`, [
      workspaceId,
      id,
    ])) as ErasureRow[];
    return row ? storedOf(row) : undefined;
  }
}
