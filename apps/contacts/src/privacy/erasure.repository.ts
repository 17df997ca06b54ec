import { crmRecordKey, type ErasureRecord, type IdentityKind } from '@leadflow/contracts';
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
  private readonly opportunities: string;
  private readonly stageHistory: string;
  private readonly conversions: string;
  private readonly imports: string;
  private readonly importIssues: string;
  private readonly importChunks: string;
  private readonly crmLinks: string;

  constructor(@InjectDataSource() private readonly dataSource: DataSource) {
    this.contacts = qualifiedTable(dataSource, 'contacts');
    this.identities = qualifiedTable(dataSource, 'contact_identities');
    this.leads = qualifiedTable(dataSource, 'contact_leads');
    this.erasures = qualifiedTable(dataSource, 'erasures');
    this.erased = qualifiedTable(dataSource, 'erased_identities');
    this.activities = qualifiedTable(dataSource, 'contact_activities');
    this.opportunities = qualifiedTable(dataSource, 'opportunities');
    this.stageHistory = qualifiedTable(dataSource, 'opportunity_stage_history');
    this.conversions = qualifiedTable(dataSource, 'lead_conversions');
    this.imports = qualifiedTable(dataSource, 'imports');
    this.importIssues = qualifiedTable(dataSource, 'import_issues');
    this.importChunks = qualifiedTable(dataSource, 'import_chunks');
    this.crmLinks = qualifiedTable(dataSource, 'crm_links');
  }

  /** The CRM contact records linked to these contacts, as `crmRecordKey`s. */
  async crmContactRecordsOf(manager: EntityManager, workspaceId: string, contactIds: readonly string[]): Promise<string[]> {
    if (contactIds.length === 0) return [];
    const rows = (await manager.query(
      `SELECT "integration_id", "external_id" FROM ${this.crmLinks}
       WHERE "workspace_id" = $1 AND "object_type" = 'contact' AND "record_id" = ANY($2::uuid[])
       ORDER BY "integration_id", "external_id"`,
      [workspaceId, contactIds],
    )) as Array<{ integration_id: string; external_id: string }>;
    return rows.map((row) => crmRecordKey(row.integration_id, row.external_id));
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
   * What the deals and imports hold of a person: their opportunities (with their stage moves), the
   * conversions of their contacts, and the import rows that named them (a duplicate of one of their
   * contacts, or a row or message holding one of `values`, their emails and phones).
   */
  async dealsAndImportsOf(
    manager: EntityManager | DataSource,
    workspaceId: string,
    ids: readonly string[],
    values: readonly string[],
  ): Promise<{
    opportunities: Array<Record<string, unknown>>;
    conversions: Array<Record<string, unknown>>;
    importRows: Array<Record<string, unknown>>;
  }> {
    const opportunities = (await manager.query(
      `SELECT to_jsonb(o) || jsonb_build_object('amount', o."amount"::text, 'stageMoves',
         (SELECT coalesce(jsonb_agg(to_jsonb(h) ORDER BY h."id"), '[]') FROM ${this.stageHistory} h WHERE h."opportunity_id" = o."id")) AS "row"
       FROM ${this.opportunities} o WHERE o."workspace_id" = $1 AND o."contact_id" = ANY($2::uuid[]) ORDER BY o."id"`,
      [workspaceId, ids],
    )) as Array<{ row: Record<string, unknown> }>;
    const conversions = (await manager.query(
      `SELECT to_jsonb(v) AS "row" FROM ${this.conversions} v WHERE v."workspace_id" = $1 AND v."contact_id" = ANY($2::uuid[])
       ORDER BY v."converted_at", v."lead_id"`,
      [workspaceId, ids],
    )) as Array<{ row: Record<string, unknown> }>;
    const importRows = (await manager.query(
      `SELECT to_jsonb(i) AS "row" FROM ${this.importIssues} i JOIN ${this.imports} m ON m."id" = i."import_id"
       WHERE ${this.namesPerson('i')} ORDER BY i."import_id", i."row", i."kind", i."ord"`,
      [workspaceId, ids, likePatterns(values)],
    )) as Array<{ row: Record<string, unknown> }>;
    return {
      opportunities: opportunities.map(({ row }) => row),
      conversions: conversions.map(({ row }) => row),
      importRows: importRows.map(({ row }) => row),
    };
  }

  /**
   * Redacts what deals and imports hold of a person: their opportunities' names and lost reasons
   * (amounts, stages and versions stay, as metrics count them), the opportunity names kept in their
   * conversions' answers, and the import rows that named them (the row's text and message emptied;
   * its number and code stay). Returns how many of each.
   */
  async redactDealsAndImports(
    manager: EntityManager,
    workspaceId: string,
    ids: readonly string[],
    values: readonly string[],
  ): Promise<{ opportunities: number; conversions: number; importRows: number }> {
    const [, opportunities] = (await manager.query(
      `UPDATE ${this.opportunities} SET "name" = 'erased', "lost_reason" = NULL
       WHERE "workspace_id" = $1 AND "contact_id" = ANY($2::uuid[]) AND ("name" <> 'erased' OR "lost_reason" IS NOT NULL)`,
      [workspaceId, ids],
    )) as [unknown, number];
    const [, conversions] = (await manager.query(
      `UPDATE ${this.conversions}
         SET "result" = jsonb_set(jsonb_set("result"::jsonb, '{opportunity,name}', '"erased"'), '{opportunity,lostReason}', 'null')::json
       WHERE "workspace_id" = $1 AND "contact_id" = ANY($2::uuid[]) AND json_typeof("result"->'opportunity') = 'object'`,
      [workspaceId, ids],
    )) as [unknown, number];
    const [, importRows] = (await manager.query(
      `UPDATE ${this.importIssues} i SET "raw" = '', "message" = 'erased'
       FROM ${this.imports} m WHERE m."id" = i."import_id" AND ${this.namesPerson('i')}`,
      [workspaceId, ids, likePatterns(values)],
    )) as [unknown, number];
    // A finished import's file is dropped when it finishes; one whose chunks stayed (an older failure) goes now.
    await manager.query(
      `DELETE FROM ${this.importChunks} c USING ${this.imports} m
       WHERE m."id" = c."import_id" AND m."workspace_id" = $1 AND m."status" IN ('completed', 'failed')`,
      [workspaceId],
    );
    return { opportunities, conversions, importRows };
  }

  /** An import row (alias `alias`, its import `m`) of workspace $1 naming contacts $2 or holding one of patterns $3. */
  private namesPerson(alias: string): string {
    return `m."workspace_id" = $1 AND (${alias}."contact_id" = ANY($2::uuid[])
      OR (cardinality($3::text[]) > 0 AND (${alias}."raw" ILIKE ANY($3::text[]) OR ${alias}."message" ILIKE ANY($3::text[]))))`;
  }

  /**
   * `trackerHashes`: hashes of the person's user and anonymous ids, kept among the erased identities
   * (so later activities naming them make no contact); `contact.erased` carries them, the record does not.
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

/** ILIKE patterns finding any of these values as they are (their own % and _ escaped). */
function likePatterns(values: readonly string[]): string[] {
  return values.filter((value) => value.length > 0).map((value) => `%${value.replace(/[%_\\]/g, (c) => `\\${c}`)}%`);
}
