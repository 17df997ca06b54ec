import { type ContactLeadEntry, type ContactSort, type Lifecycle, type Page, type Stage } from '@leadflow/contracts';
import { lockKeys, qualifiedTable, selectKeysetPage, selectPage, SqlFilter } from '@leadflow/database';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';
import { v7 as uuidv7 } from 'uuid';
import type { ContactRecordFields, ContactRow } from './contact-row';
import type { Identity, IdentityKind } from './identity';

/** The columns of a contact, listed once for every read. */
const CONTACT_COLUMNS = [
  'id',
  'workspace_id',
  'email',
  'phone',
  'first_name',
  'last_name',
  'country',
  'created_at',
  'updated_at',
  'merged_into',
  'version',
  'deleted_at',
  'erased_at',
  'company',
  'title',
  'owner_id',
  'tags',
  'lifecycle',
  'properties',
  'parse_issues',
  'created_by',
  'updated_by',
  'stage',
  'anonymous',
] as const satisfies ReadonlyArray<keyof ContactRow>;

function columns(alias: string): string {
  return CONTACT_COLUMNS.map((column) => `${alias}."${column}"`).join(', ');
}

export interface IdentityClaim {
  workspaceId: string;
  identity: Identity;
  contactId: string;
}

export interface Attribution {
  leadId: string;
  workspaceId: string;
  contactId: string;
  receivedAt: string;
}

export interface ContactListFilter {
  email?: string;
  phone?: string;
  ownerId?: string;
  tag?: string;
  stage?: Stage;
  lifecycle?: Lifecycle;
  updatedSince?: string;
  q?: string;
  includeDeleted?: boolean;
  /** Unsorted lists (newest first by id): the last id of the previous page. */
  afterId?: string;
  /** Sorted lists: the sort and the decoded cursor of the previous page. */
  sort?: { by: ContactSort; order: 'asc' | 'desc'; after?: { key: string; id: string } };
  limit: number;
}

/** The sort keys of a contact list, never null (a missing last name sorts as empty). */
const SORT_KEYS: Record<ContactSort, { sql: string; type: 'text' | 'timestamptz' }> = {
  createdAt: { sql: 'c."created_at"', type: 'timestamptz' },
  updatedAt: { sql: 'c."updated_at"', type: 'timestamptz' },
  lastName: { sql: `COALESCE(c."last_name", '')`, type: 'text' },
};

/** A contact write as the records service plans it: what an admin set, and by whom. */
export interface ContactRecordWrite {
  workspaceId: string;
  id: string;
  fields: ContactRecordFields;
  actor: string;
}

/** Why a versioned write found nothing to change: no such contact, or not at that version (or merged). */
export type ContactWriteMiss = 'missing' | 'stale';

/** Why two contacts became one: recorded with the merge (`contacts.contact_merges`). */
export interface MergeCause {
  reason: 'lead' | 'identify' | 'alias' | 'admin';
  activityId?: string;
  actor?: string;
}

/** A stage copied from scoring's `stage.changed`. */
export interface StageCopy {
  workspaceId: string;
  contactId: string;
  stage: Stage;
  at: string;
}

/**
 * All SQL of the contacts schema's identity graph: contacts, the identities (normalized email,
 * E.164 phone) that resolve to them, and the leads attributed to them. Writes take the
 * transaction's EntityManager; statements are batched (one per step for a whole run of leads).
 */
@Injectable()
export class ContactsRepository {
  private readonly contacts: string;
  private readonly identities: string;
  private readonly leads: string;
  private readonly activities: string;
  private readonly merges: string;

  constructor(@InjectDataSource() private readonly dataSource: DataSource) {
    this.contacts = qualifiedTable(dataSource, 'contacts');
    this.identities = qualifiedTable(dataSource, 'contact_identities');
    this.leads = qualifiedTable(dataSource, 'contact_leads');
    this.activities = qualifiedTable(dataSource, 'contact_activities');
    this.merges = qualifiedTable(dataSource, 'contact_merges');
  }

  /** Which of these leads are attributed already. */
  async attributedLeadIds(manager: EntityManager, leadIds: string[]): Promise<Set<string>> {
    const rows = (await manager.query(`SELECT "lead_id" FROM ${this.leads} WHERE "lead_id" = ANY($1::uuid[])`, [leadIds])) as Array<{
      lead_id: string;
    }>;
    return new Set(rows.map((row) => row.lead_id));
  }

  /**
   * Serializes work on these keys across handlers and replicas: one transaction-scoped advisory
   * lock per key, all taken by one statement in one fixed order, so two transactions never wait on
   * each other in a cycle.
   */
  async lockKeys(manager: EntityManager, keys: string[]): Promise<void> {
    await lockKeys(manager, keys);
  }

  /** The contact recorded for each of these identities (possibly merged away since). */
  async identityOwners<K extends IdentityKind>(
    manager: EntityManager,
    identities: Array<Identity<K> & { workspaceId: string }>,
  ): Promise<Array<Identity<K> & { workspaceId: string; contactId: string }>> {
    if (identities.length === 0) return [];
    // One primary-key probe per identity (LATERAL … LIMIT 1 cannot be turned into a join): with a
    // fresh table's missing statistics, a join would read the whole table once per batch.
    const rows = (await manager.query(
      `SELECT i."workspace_id", i."kind", i."value", o."contact_id"
       FROM unnest($1::text[], $2::text[], $3::text[]) AS i("workspace_id", "kind", "value")
       CROSS JOIN LATERAL (
         SELECT "contact_id" FROM ${this.identities} c
         WHERE c."workspace_id" = i."workspace_id" AND c."kind" = i."kind" AND c."value" = i."value" LIMIT 1
       ) AS o`,
      [identities.map((i) => i.workspaceId), identities.map((i) => i.kind), identities.map((i) => i.value)],
    )) as Array<{ workspace_id: string; kind: K; value: string; contact_id: string }>;
    return rows.map((row) => ({ workspaceId: row.workspace_id, kind: row.kind, value: row.value, contactId: row.contact_id }));
  }

  /** The contacts owning these identities of one workspace, as recorded. */
  async contactIdsOwning(manager: EntityManager, workspaceId: string, identities: Identity[]): Promise<string[]> {
    if (identities.length === 0) return [];
    const rows = (await manager.query(
      `SELECT DISTINCT o."contact_id" FROM unnest($2::text[], $3::text[]) AS i("kind", "value")
       CROSS JOIN LATERAL (
         SELECT "contact_id" FROM ${this.identities} c WHERE c."workspace_id" = $1 AND c."kind" = i."kind" AND c."value" = i."value" LIMIT 1
       ) AS o`,
      [workspaceId, identities.map((i) => i.kind), identities.map((i) => i.value)],
    )) as Array<{ contact_id: string }>;
    return rows.map((row) => row.contact_id);
  }

  /** Which of these contacts of a workspace were erased (GDPR). */
  async erasedIds(manager: EntityManager, workspaceId: string, ids: string[]): Promise<Set<string>> {
    const rows = (await manager.query(
      `SELECT "id" FROM ${this.contacts} WHERE "workspace_id" = $1 AND "id" = ANY($2::uuid[]) AND "erased_at" IS NOT NULL`,
      [workspaceId, ids],
    )) as Array<{ id: string }>;
    return new Set(rows.map((row) => row.id));
  }

  /** Locks these contacts (live or merged away) for the rest of the transaction, in id order. */
  async lockContacts(manager: EntityManager, ids: string[]): Promise<ContactRow[]> {
    if (ids.length === 0) return [];
    return (await manager.query(
      `SELECT ${columns('c')} FROM ${this.contacts} c WHERE c."id" = ANY($1::uuid[]) ORDER BY c."id" FOR UPDATE`,
      [ids],
    )) as ContactRow[];
  }

  async insertContacts(manager: EntityManager, rows: ContactRow[]): Promise<void> {
    if (rows.length === 0) return;
    // clock_timestamp() per row, in order: the first contact of a person is the oldest, as if
    // each had been created by its own transaction.
    const inserted = (await manager.query(
      `INSERT INTO ${this.contacts} ("id", "workspace_id", "email", "phone", "first_name", "last_name", "country", "anonymous", "created_at", "updated_at")
       SELECT "id", "workspace_id", "email", "phone", "first_name", "last_name", "country", "anonymous", clock_timestamp(), clock_timestamp()
       FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::boolean[]) WITH ORDINALITY
         AS c("id", "workspace_id", "email", "phone", "first_name", "last_name", "country", "anonymous", "ord")
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
        rows.map((r) => r.anonymous),
      ],
    )) as Array<{ id: string }>;
    if (inserted.length !== rows.length) throw new Error(`inserted ${inserted.length} of ${rows.length} contacts`);
  }

  /** Writes the contacts' fields as planned. */
  async updateContacts(manager: EntityManager, rows: ContactRow[]): Promise<void> {
    if (rows.length === 0) return;
    await manager.query(
      `UPDATE ${this.contacts} AS c SET "email" = u."email", "phone" = u."phone", "first_name" = u."first_name",
         "last_name" = u."last_name", "country" = u."country", "anonymous" = u."anonymous", "updated_at" = clock_timestamp(),
         "version" = c."version" + 1
       FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::boolean[])
         AS u("id", "email", "phone", "first_name", "last_name", "country", "anonymous")
       WHERE c."id" = u."id"`,
      [
        rows.map((r) => r.id),
        rows.map((r) => r.email),
        rows.map((r) => r.phone),
        rows.map((r) => r.first_name),
        rows.map((r) => r.last_name),
        rows.map((r) => r.country),
        rows.map((r) => r.anonymous),
      ],
    );
  }

  /** Records new identities; one already owned fails the statement (the primary key). */
  async insertIdentities(manager: EntityManager, claims: IdentityClaim[]): Promise<void> {
    if (claims.length === 0) return;
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

  async insertAttributions(manager: EntityManager, attributions: Attribution[]): Promise<void> {
    if (attributions.length === 0) return;
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
  }

  /**
   * Folds `mergedId` into `survivorId`: identities, leads and activities move over, the merged
   * contact and those merged into it before point at the survivor, the survivor takes the fields it
   * lacks, and the merge is recorded with its cause. Returns the survivor as it now is.
   */
  async merge(
    manager: EntityManager,
    workspaceId: string,
    survivorId: string,
    mergedId: string,
    cause: MergeCause = { reason: 'lead' },
  ): Promise<ContactRow> {
    await manager.query(`UPDATE ${this.identities} SET "contact_id" = $2 WHERE "workspace_id" = $1 AND "contact_id" = $3`, [
      workspaceId,
      survivorId,
      mergedId,
    ]);
    await manager.query(`UPDATE ${this.leads} SET "contact_id" = $2 WHERE "workspace_id" = $1 AND "contact_id" = $3`, [
      workspaceId,
      survivorId,
      mergedId,
    ]);
    await manager.query(`UPDATE ${this.activities} SET "contact_id" = $2 WHERE "workspace_id" = $1 AND "contact_id" = $3`, [
      workspaceId,
      survivorId,
      mergedId,
    ]);
    await manager.query(
      `INSERT INTO ${this.merges} ("id", "workspace_id", "survivor_id", "merged_id", "reason", "activity_id", "actor")
       VALUES ($1, $2, $3, $4, $5, $6, $7)`,
      [uuidv7(), workspaceId, survivorId, mergedId, cause.reason, cause.activityId ?? null, cause.actor ?? null],
    );
    await manager.query(
      `UPDATE ${this.contacts} SET "merged_into" = $2, "updated_at" = clock_timestamp(), "version" = "version" + 1
       WHERE "workspace_id" = $1 AND ("merged_into" = $3 OR "id" = $3)`,
      [workspaceId, survivorId, mergedId],
    );
    const [rows] = (await manager.query(
      `UPDATE ${this.contacts} s SET
         "email" = COALESCE(s."email", m."email"), "phone" = COALESCE(s."phone", m."phone"),
         "first_name" = COALESCE(s."first_name", m."first_name"), "last_name" = COALESCE(s."last_name", m."last_name"),
         "country" = COALESCE(s."country", m."country"), "anonymous" = s."anonymous" AND m."anonymous",
         "updated_at" = clock_timestamp(), "version" = s."version" + 1
       FROM ${this.contacts} m WHERE s."workspace_id" = $1 AND s."id" = $2 AND m."id" = $3 RETURNING ${columns('s')}`,
      [workspaceId, survivorId, mergedId],
    )) as [ContactRow[], number];
    const survivor = rows[0];
    if (!survivor) throw new Error(`contact ${survivorId} vanished while merging ${mergedId} into it`);
    return survivor;
  }

  /**
   * A page of a workspace's contacts (not merged away; soft-deleted ones only when asked), newest
   * first or sorted; email and phone match any identity of the contact.
   */
  async listLive<T>(workspaceId: string, filter: ContactListFilter, view: (row: ContactRow) => T): Promise<Page<T>> {
    const where = new SqlFilter().where('c."workspace_id" = ?', workspaceId).where('c."merged_into" IS NULL');
    if (!filter.includeDeleted) where.where('c."deleted_at" IS NULL');
    for (const kind of ['email', 'phone'] as const) {
      where.where(
        `(c."${kind}" = ? OR c."id" IN (SELECT "contact_id" FROM ${this.identities} i
           WHERE i."workspace_id" = c."workspace_id" AND i."kind" = '${kind}' AND i."value" = ?))`,
        filter[kind],
      );
    }
    where
      .where('c."owner_id" = ?::uuid', filter.ownerId)
      .where(`c."tags" @> ARRAY[?::text] AND c."tags" <> '{}'`, filter.tag) // the tag index holds tagged contacts only
      .where('c."stage" = ?', filter.stage)
      .where('c."lifecycle" = ?', filter.lifecycle)
      .where('c."updated_at" >= ?::timestamptz', filter.updatedSince);
    if (filter.q !== undefined) {
      const pattern = `%${filter.q.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
      where.where(
        `(c."first_name" ILIKE ? OR c."last_name" ILIKE ? OR c."company" ILIKE ? OR (c."first_name" || ' ' || c."last_name") ILIKE ?)`,
        pattern,
      );
    }
    const base = { select: columns('c'), from: `${this.contacts} c`, filter: where, idColumn: 'c."id"', limit: filter.limit };
    if (filter.sort) {
      return selectKeysetPage(
        this.dataSource,
        { ...base, sortKey: SORT_KEYS[filter.sort.by], order: filter.sort.order, after: filter.sort.after },
        view,
      );
    }
    return selectPage(this.dataSource, { ...base, afterId: filter.afterId }, view);
  }

  /** The live contact an id stands for: itself, or the survivor it was merged into. */
  async findLive(workspaceId: string, id: string): Promise<ContactRow | undefined> {
    const [row] = (await this.dataSource.query(
      `SELECT ${columns('s')} FROM ${this.contacts} c JOIN ${this.contacts} s ON s."id" = COALESCE(c."merged_into", c."id")
       WHERE c."workspace_id" = $1 AND c."id" = $2`,
      [workspaceId, id],
    )) as ContactRow[];
    return row;
  }

  /** A contact's identities, leads and the contacts merged into it. */
  async linksOf(workspaceId: string, contactId: string): Promise<{ identities: Identity[]; leadIds: string[]; mergedIds: string[] }> {
    const [identities, leads, merged] = await Promise.all([
      this.dataSource.query(
        `SELECT "kind", "value" FROM ${this.identities} WHERE "workspace_id" = $1 AND "contact_id" = $2 ORDER BY "created_at", "value"`,
        [workspaceId, contactId],
      ) as Promise<Identity[]>,
      this.dataSource.query(`SELECT "lead_id" FROM ${this.leads} WHERE "workspace_id" = $1 AND "contact_id" = $2 ORDER BY "lead_id"`, [
        workspaceId,
        contactId,
      ]) as Promise<Array<{ lead_id: string }>>,
      this.dataSource.query(`SELECT "id" FROM ${this.contacts} WHERE "workspace_id" = $1 AND "merged_into" = $2 ORDER BY "id"`, [
        workspaceId,
        contactId,
      ]) as Promise<Array<{ id: string }>>,
    ]);
    return { identities, leadIds: leads.map((l) => l.lead_id), mergedIds: merged.map((m) => m.id) };
  }

  /** The contact a lead is attributed to. */
  async contactOfLead(workspaceId: string, leadId: string): Promise<string | undefined> {
    const [row] = (await this.dataSource.query(`SELECT "contact_id" FROM ${this.leads} WHERE "workspace_id" = $1 AND "lead_id" = $2`, [
      workspaceId,
      leadId,
    ])) as Array<{ contact_id: string }>;
    return row?.contact_id;
  }

  /** A contact row by its own id (merged or not), without following merges. */
  async findOwn(manager: EntityManager, workspaceId: string, id: string): Promise<ContactRow | undefined> {
    const [row] = (await manager.query(`SELECT ${columns('c')} FROM ${this.contacts} c WHERE c."workspace_id" = $1 AND c."id" = $2`, [
      workspaceId,
      id,
    ])) as ContactRow[];
    return row;
  }

  /** Inserts a contact an admin made, at version 1; its identities follow in the same transaction. */
  async insertRecord(manager: EntityManager, write: ContactRecordWrite): Promise<ContactRow> {
    const f = write.fields;
    const [row] = (await manager.query(
      `INSERT INTO ${this.contacts} AS c ("id", "workspace_id", "email", "phone", "first_name", "last_name", "country", "company", "title",
         "owner_id", "tags", "lifecycle", "properties", "parse_issues", "created_by", "updated_by", "created_at", "updated_at")
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $15, clock_timestamp(), clock_timestamp())
       RETURNING ${columns('c')}`,
      [
        write.id,
        write.workspaceId,
        f.email,
        f.phone,
        f.first_name,
        f.last_name,
        f.country,
        f.company,
        f.title,
        f.owner_id,
        f.tags,
        f.lifecycle,
        JSON.stringify(f.properties),
        JSON.stringify(f.parse_issues),
        write.actor,
      ],
    )) as ContactRow[];
    if (!row) throw new Error(`contact ${write.id} was not inserted`);
    return row;
  }

  /**
   * Replaces an admin's fields of a live (not merged) contact, only while it is at `version`: the
   * check and the write are one statement, so of two writers holding the same version exactly one
   * changes the row (the other waits for its row lock, then finds the version moved on).
   */
  async updateRecord(manager: EntityManager, write: ContactRecordWrite, version: string): Promise<ContactRow | undefined> {
    const f = write.fields;
    const [rows] = (await manager.query(
      `UPDATE ${this.contacts} c SET "email" = $4, "phone" = $5, "first_name" = $6, "last_name" = $7, "country" = $8, "company" = $9,
         "title" = $10, "owner_id" = $11, "tags" = $12, "lifecycle" = $13, "properties" = $14, "parse_issues" = $15, "updated_by" = $16,
         "version" = c."version" + 1, "updated_at" = clock_timestamp()
       WHERE c."workspace_id" = $1 AND c."id" = $2 AND c."version" = $3 AND c."merged_into" IS NULL
       RETURNING ${columns('c')}`,
      [
        write.workspaceId,
        write.id,
        version,
        f.email,
        f.phone,
        f.first_name,
        f.last_name,
        f.country,
        f.company,
        f.title,
        f.owner_id,
        f.tags,
        f.lifecycle,
        JSON.stringify(f.properties),
        JSON.stringify(f.parse_issues),
        write.actor,
      ],
    )) as [ContactRow[], number];
    return rows[0];
  }

  /** Soft-deletes (or restores) a live contact at `version`, in one statement with its check. */
  async setDeleted(
    manager: EntityManager,
    target: { workspaceId: string; id: string; actor: string },
    version: string,
    deleted: boolean,
  ): Promise<ContactRow | undefined> {
    const [rows] = (await manager.query(
      `UPDATE ${this.contacts} c SET "deleted_at" = ${deleted ? 'clock_timestamp()' : 'NULL'}, "updated_by" = $4,
         "version" = c."version" + 1, "updated_at" = clock_timestamp()
       WHERE c."workspace_id" = $1 AND c."id" = $2 AND c."version" = $3 AND c."merged_into" IS NULL
         AND c."deleted_at" IS ${deleted ? 'NULL' : 'NOT NULL'}
       RETURNING ${columns('c')}`,
      [target.workspaceId, target.id, version, target.actor],
    )) as [ContactRow[], number];
    return rows[0];
  }

  /**
   * Moves one of a contact's identities with its field: the old value stops identifying it, the
   * new one starts (already its own after a merge: nothing to add). The caller holds both values'
   * identity locks and has made sure no other contact owns the new one.
   */
  async replaceIdentity(
    manager: EntityManager,
    workspaceId: string,
    contactId: string,
    kind: Identity['kind'],
    from: string | null,
    to: string | null,
  ): Promise<void> {
    if (from !== null) {
      await manager.query(
        `DELETE FROM ${this.identities} WHERE "workspace_id" = $1 AND "kind" = $2 AND "value" = $3 AND "contact_id" = $4`,
        [workspaceId, kind, from, contactId],
      );
    }
    if (to !== null) {
      await manager.query(
        `INSERT INTO ${this.identities} ("workspace_id", "kind", "value", "contact_id") VALUES ($1, $2, $3, $4)
         ON CONFLICT ("workspace_id", "kind", "value") DO NOTHING`,
        [workspaceId, kind, to, contactId],
      );
    }
  }

  /**
   * Copies stages scoring announced onto their contacts (one per contact, the latest), skipping
   * any older than the stage a contact holds; a changed copy is a write and bumps the version.
   * It leaves `updated_at` (the last write to the contact's own fields), which an index holds, so
   * that the update stays heap-only in the room each page of contacts keeps free (fillfactor 50).
   */
  async copyStages(manager: EntityManager, copies: StageCopy[]): Promise<void> {
    if (copies.length === 0) return;
    // The rows are locked in id order first, as identity resolution locks them, so that a batch of
    // stages and a batch of leads touching the same contacts wait for each other instead of deadlocking.
    // Each row is reached by its id alone (a primary-key probe per copy, in id order): with a fresh
    // table's missing statistics a join may scan the whole workspace instead, once per batch or per row.
    await manager.query(
      `WITH locked AS (
         SELECT c."id", u."stage", u."at" FROM (
           SELECT * FROM unnest($1::text[], $2::uuid[], $3::text[], $4::timestamptz[]) AS u("workspace_id", "id", "stage", "at") ORDER BY "id"
         ) AS u CROSS JOIN LATERAL (
           SELECT "id", "workspace_id", "merged_into", "stage_at" FROM ${this.contacts} WHERE "id" = u."id" FOR UPDATE
         ) AS c
         WHERE c."workspace_id" = u."workspace_id" AND c."merged_into" IS NULL AND (c."stage_at" IS NULL OR c."stage_at" < u."at")
       )
       UPDATE ${this.contacts} c SET "stage" = l."stage", "stage_at" = l."at", "version" = c."version" + 1
       FROM locked l WHERE c."id" = l."id"`,
      [copies.map((c) => c.workspaceId), copies.map((c) => c.contactId), copies.map((c) => c.stage), copies.map((c) => c.at)],
    );
  }

  /** A page of the leads attributed to a contact, newest first. */
  leadsOf(workspaceId: string, contactId: string, afterId: string | undefined, limit: number): Promise<Page<ContactLeadEntry>> {
    return selectPage<{ id: string; received_at: Date; attributed_at: Date }, ContactLeadEntry>(
      this.dataSource,
      {
        select: `"lead_id" AS "id", "received_at", "attributed_at"`,
        from: this.leads,
        filter: new SqlFilter().where('"workspace_id" = ?', workspaceId).where('"contact_id" = ?::uuid', contactId),
        idColumn: '"lead_id"',
        afterId,
        limit,
      },
      (row) => ({ leadId: row.id, receivedAt: row.received_at.toISOString(), attributedAt: row.attributed_at.toISOString() }),
    );
  }
}
