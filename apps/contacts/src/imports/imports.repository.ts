import type { ImportIssue, ImportIssueKind, ImportMapping, ImportStatus, Page } from '@leadflow/contracts';
import { qualifiedTable, selectPage, SqlFilter } from '@leadflow/database';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';

export interface ImportRow {
  id: string;
  workspace_id: string;
  status: ImportStatus;
  file_name: string | null;
  mapping: ImportMapping | null;
  header: string[] | null;
  created_by: string;
  bytes: string;
  chunks: number;
  rows_done: string;
  resume_offset: string;
  created_count: string;
  duplicate_count: string;
  error_count: string;
  failure_code: string | null;
  failure_message: string | null;
  created_at: Date;
  updated_at: Date;
  started_at: Date | null;
  completed_at: Date | null;
}

export interface NewImportedContact {
  id: string;
  workspaceId: string;
  email: string | null;
  phone: string | null;
  firstName: string | null;
  lastName: string | null;
  company: string | null;
  title: string | null;
  country: string | null;
  tags: string[];
  properties: Record<string, string>;
  createdBy: string;
}

export interface NewImportIssue {
  kind: ImportIssueKind;
  row: number;
  ord: number;
  column: string | null;
  code: string;
  message: string;
  contactId: string | null;
  raw: string;
}

/** What one committed batch moved the import to. */
export interface ImportProgress {
  rowsDone: number;
  resumeOffset: number;
  created: number;
  duplicates: number;
  errors: number;
  header?: string[];
  /** Set when the batch ends the import. */
  status?: 'completed' | 'failed';
  failure?: { code: string; message: string };
}

/**
 * All SQL of contact imports: the import rows, the uploaded chunks, the issues, and the set-based
 * insert of imported contacts (one statement per batch). The identity statements the import shares
 * with the lead pipeline stay in ContactsRepository.
 */
@Injectable()
export class ImportsRepository {
  private readonly imports: string;
  private readonly chunks: string;
  private readonly issueTable: string;
  private readonly contacts: string;

  constructor(@InjectDataSource() private readonly dataSource: DataSource) {
    this.imports = qualifiedTable(dataSource, 'imports');
    this.chunks = qualifiedTable(dataSource, 'import_chunks');
    this.issueTable = qualifiedTable(dataSource, 'import_issues');
    this.contacts = qualifiedTable(dataSource, 'contacts');
  }

  async insert(row: {
    id: string;
    workspaceId: string;
    fileName: string | null;
    mapping: ImportMapping | null;
    createdBy: string;
  }): Promise<ImportRow> {
    const [created] = (await this.dataSource.query(
      `INSERT INTO ${this.imports} ("id", "workspace_id", "status", "file_name", "mapping", "created_by")
       VALUES ($1, $2, 'uploading', $3, $4, $5) RETURNING *`,
      [row.id, row.workspaceId, row.fileName, row.mapping === null ? null : JSON.stringify(row.mapping), row.createdBy],
    )) as ImportRow[];
    return created as ImportRow;
  }

  /**
   * Stores a chunk (base64, decoded by PostgreSQL) of an upload still open in this workspace; the same chunk sent again is kept
   * once. False when there is no such open upload.
   */
  async insertChunk(workspaceId: string, importId: string, seq: number, offset: number, base64: string): Promise<boolean> {
    const [row] = (await this.dataSource.query(
      `WITH "open" AS (
         SELECT "id" FROM ${this.imports} WHERE "id" = $1 AND "workspace_id" = $2 AND "status" = 'uploading'
       ), "stored" AS (
         INSERT INTO ${this.chunks} ("import_id", "seq", "byte_offset", "data")
         SELECT "id", $3, $4, decode($5, 'base64') FROM "open" ON CONFLICT DO NOTHING
       ), "touched" AS (
         UPDATE ${this.imports} SET "updated_at" = now() WHERE "id" IN (SELECT "id" FROM "open")
       )
       SELECT count(*)::int AS "open" FROM "open"`,
      [importId, workspaceId, seq, offset, base64],
    )) as Array<{ open: number }>;
    return (row?.open ?? 0) > 0;
  }

  /** The import, locked for the rest of the transaction. */
  async lock(manager: EntityManager, workspaceId: string, id: string): Promise<ImportRow | undefined> {
    const [row] = (await manager.query(`SELECT * FROM ${this.imports} WHERE "id" = $1 AND "workspace_id" = $2 FOR UPDATE`, [
      id,
      workspaceId,
    ])) as ImportRow[];
    return row;
  }

  /** How many chunks and bytes an upload stored. */
  async storedSize(manager: EntityManager, id: string): Promise<{ chunks: number; bytes: number }> {
    const [row] = (await manager.query(
      `SELECT count(*)::int AS "chunks", coalesce(sum(octet_length("data")), 0)::bigint AS "bytes" FROM ${this.chunks} WHERE "import_id" = $1`,
      [id],
    )) as Array<{ chunks: number; bytes: string }>;
    return { chunks: row?.chunks ?? 0, bytes: Number(row?.bytes ?? 0) };
  }

  async markQueued(manager: EntityManager, id: string, size: { chunks: number; bytes: number }): Promise<ImportRow> {
    const [rows] = (await manager.query(
      `UPDATE ${this.imports} SET "status" = 'queued', "chunks" = $2, "bytes" = $3, "updated_at" = now() WHERE "id" = $1 RETURNING *`,
      [id, size.chunks, size.bytes],
    )) as [ImportRow[], number];
    return rows[0] as ImportRow;
  }

  async markRunning(manager: EntityManager, id: string): Promise<void> {
    await manager.query(
      `UPDATE ${this.imports} SET "status" = 'running', "started_at" = coalesce("started_at", now()), "updated_at" = now() WHERE "id" = $1`,
      [id],
    );
  }

  /** Ends an import that cannot go on; its stored file goes. */
  async fail(manager: EntityManager, id: string, failure: { code: string; message: string }): Promise<ImportRow> {
    await this.deleteChunks(manager, id);
    const [rows] = (await manager.query(
      `UPDATE ${this.imports} SET "status" = 'failed', "failure_code" = $2, "failure_message" = $3, "updated_at" = now(),
         "completed_at" = now() WHERE "id" = $1 RETURNING *`,
      [id, failure.code, failure.message],
    )) as [ImportRow[], number];
    return rows[0] as ImportRow;
  }

  /** Fails uploads that received nothing for `idleMs` (their client went away) and drops their chunks; returns how many. */
  async failAbandonedUploads(idleMs: number): Promise<number> {
    const [row] = (await this.dataSource.query(
      `WITH "abandoned" AS (
         UPDATE ${this.imports} SET "status" = 'failed', "failure_code" = 'upload_abandoned',
           "failure_message" = 'the upload stopped before its last chunk', "updated_at" = now(), "completed_at" = now()
         WHERE "status" = 'uploading' AND "updated_at" < now() - make_interval(secs => $1::float8 / 1000)
         RETURNING "id"
       ), "dropped" AS (
         DELETE FROM ${this.chunks} WHERE "import_id" IN (SELECT "id" FROM "abandoned")
       )
       SELECT count(*)::int AS "n" FROM "abandoned"`,
      [idleMs],
    )) as Array<{ n: number }>;
    return row?.n ?? 0;
  }

  async deleteChunks(manager: EntityManager, id: string): Promise<void> {
    await manager.query(`DELETE FROM ${this.chunks} WHERE "import_id" = $1`, [id]);
  }

  /** The chunk holding byte `offset` of the file, or the first one after chunk `afterSeq`. */
  async chunkAt(id: string, offset: number): Promise<{ seq: number; byteOffset: number; data: Buffer } | undefined> {
    const [row] = (await this.dataSource.query(
      `SELECT "seq", "byte_offset", "data" FROM ${this.chunks} WHERE "import_id" = $1 AND "byte_offset" <= $2 ORDER BY "seq" DESC LIMIT 1`,
      [id, offset],
    )) as Array<{ seq: number; byte_offset: string; data: Buffer }>;
    return row && { seq: row.seq, byteOffset: Number(row.byte_offset), data: row.data };
  }

  async chunkAfter(id: string, seq: number): Promise<{ seq: number; byteOffset: number; data: Buffer } | undefined> {
    const [row] = (await this.dataSource.query(
      `SELECT "seq", "byte_offset", "data" FROM ${this.chunks} WHERE "import_id" = $1 AND "seq" > $2 ORDER BY "seq" LIMIT 1`,
      [id, seq],
    )) as Array<{ seq: number; byte_offset: string; data: Buffer }>;
    return row && { seq: row.seq, byteOffset: Number(row.byte_offset), data: row.data };
  }

  /** New contacts of one batch, with one statement: version 1, lifecycle `lead`, created by the importer. */
  async insertContacts(manager: EntityManager, rows: readonly NewImportedContact[]): Promise<void> {
    if (rows.length === 0) return;
    const inserted = (await manager.query(
      `INSERT INTO ${this.contacts} ("id", "workspace_id", "email", "phone", "first_name", "last_name", "company", "title", "country",
         "tags", "properties", "version", "lifecycle", "created_by", "updated_by", "created_at", "updated_at")
       SELECT c."id", c."workspace_id", c."email", c."phone", c."first_name", c."last_name", c."company", c."title", c."country",
         ARRAY(SELECT jsonb_array_elements_text(c."tags")), c."properties", 1, 'lead', c."created_by", c."created_by",
         clock_timestamp(), clock_timestamp()
       FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[],
         $10::jsonb[], $11::jsonb[], $12::text[]) WITH ORDINALITY
         AS c("id", "workspace_id", "email", "phone", "first_name", "last_name", "company", "title", "country", "tags", "properties",
           "created_by", "ord")
       ORDER BY c."ord"
       RETURNING "id"`,
      [
        rows.map((r) => r.id),
        rows.map((r) => r.workspaceId),
        rows.map((r) => r.email),
        rows.map((r) => r.phone),
        rows.map((r) => r.firstName),
        rows.map((r) => r.lastName),
        rows.map((r) => r.company),
        rows.map((r) => r.title),
        rows.map((r) => r.country),
        rows.map((r) => JSON.stringify(r.tags)),
        rows.map((r) => JSON.stringify(r.properties)),
        rows.map((r) => r.createdBy),
      ],
    )) as Array<{ id: string }>;
    if (inserted.length !== rows.length) throw new Error(`inserted ${inserted.length} of ${rows.length} imported contacts`);
  }

  async insertIssues(manager: EntityManager, id: string, issues: readonly NewImportIssue[]): Promise<void> {
    if (issues.length === 0) return;
    await manager.query(
      `INSERT INTO ${this.issueTable} ("import_id", "kind", "row", "ord", "column", "code", "message", "contact_id", "raw")
       SELECT $1, * FROM unnest($2::text[], $3::bigint[], $4::smallint[], $5::text[], $6::text[], $7::text[], $8::uuid[], $9::text[])`,
      [
        id,
        issues.map((i) => i.kind),
        issues.map((i) => i.row),
        issues.map((i) => i.ord),
        issues.map((i) => i.column),
        issues.map((i) => i.code),
        issues.map((i) => i.message),
        issues.map((i) => i.contactId),
        issues.map((i) => i.raw),
      ],
    );
  }

  /** Records a batch's progress in the batch's transaction; counts are added, the offset moved. */
  async saveProgress(manager: EntityManager, id: string, progress: ImportProgress): Promise<void> {
    await manager.query(
      `UPDATE ${this.imports} SET "rows_done" = $2, "resume_offset" = $3, "created_count" = "created_count" + $4,
         "duplicate_count" = "duplicate_count" + $5, "error_count" = "error_count" + $6, "header" = coalesce($7, "header"),
         "status" = coalesce($8, "status"), "failure_code" = $9, "failure_message" = $10, "updated_at" = now(),
         "completed_at" = CASE WHEN $8::text IS NULL THEN NULL ELSE now() END
       WHERE "id" = $1`,
      [
        id,
        progress.rowsDone,
        progress.resumeOffset,
        progress.created,
        progress.duplicates,
        progress.errors,
        progress.header ?? null,
        progress.status ?? null,
        progress.failure?.code ?? null,
        progress.failure?.message ?? null,
      ],
    );
  }

  async find(workspaceId: string, id: string): Promise<ImportRow | undefined> {
    const [row] = (await this.dataSource.query(`SELECT * FROM ${this.imports} WHERE "id" = $1 AND "workspace_id" = $2`, [
      id,
      workspaceId,
    ])) as ImportRow[];
    return row;
  }

  /** The import a job works on, whatever its workspace. */
  async findById(id: string): Promise<ImportRow | undefined> {
    const [row] = (await this.dataSource.query(`SELECT * FROM ${this.imports} WHERE "id" = $1`, [id])) as ImportRow[];
    return row;
  }

  list<T>(workspaceId: string, afterId: string | undefined, limit: number, view: (row: ImportRow) => T): Promise<Page<T>> {
    return selectPage(
      this.dataSource,
      {
        select: 'i.*',
        from: `${this.imports} i`,
        filter: new SqlFilter().where('i."workspace_id" = ?', workspaceId),
        idColumn: 'i."id"',
        afterId,
        limit,
      },
      view,
    );
  }

  /** Issues of one kind in row order, after row `afterRow`; one more than `limit` rows' worth says another page follows. */
  async issues(id: string, kind: ImportIssueKind, afterRow: number, limit: number): Promise<{ items: ImportIssue[]; more: boolean }> {
    const rows = (await this.dataSource.query(
      `SELECT "row", "column", "code", "message", "contact_id", "raw" FROM ${this.issueTable}
       WHERE "import_id" = $1 AND "kind" = $2 AND "row" > $3 AND "row" <= (
         SELECT max("row") FROM (SELECT DISTINCT "row" FROM ${this.issueTable} WHERE "import_id" = $1 AND "kind" = $2 AND "row" > $3
           ORDER BY "row" LIMIT $4) AS r)
       ORDER BY "row", "ord"`,
      [id, kind, afterRow, limit + 1],
    )) as Array<{ row: string; column: string | null; code: string; message: string; contact_id: string | null; raw: string }>;
    const items = rows.map((row) => ({
      row: Number(row.row),
      column: row.column,
      code: row.code,
      message: row.message,
      contactId: row.contact_id,
      raw: row.raw,
    }));
    const rowNumbers = [...new Set(items.map((item) => item.row))];
    if (rowNumbers.length <= limit) return { items, more: false };
    const last = rowNumbers[limit - 1] as number;
    return { items: items.filter((item) => item.row <= last), more: true };
  }
}
