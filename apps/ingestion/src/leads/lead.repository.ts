import type { IntakeRequestMeta, LeadSummary, NormalizedLead, Page } from '@leadflow/contracts';
import { qualifiedTable, selectPage, SqlFilter } from '@leadflow/database';
import type { CausingStatement } from '@leadflow/messaging';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';

/**
 * The normalized lead's fields and their columns in `leads`: the one list that the insert, the
 * reads and the mapping back to a `NormalizedLead` are built from.
 */
const NORMALIZED_COLUMNS = {
  firstName: { column: 'first_name', type: 'text' },
  lastName: { column: 'last_name', type: 'text' },
  email: { column: 'email', type: 'text' },
  emailValid: { column: 'email_valid', type: 'boolean' },
  phone: { column: 'phone', type: 'text' },
  phoneValid: { column: 'phone_valid', type: 'boolean' },
  country: { column: 'country', type: 'text' },
  language: { column: 'language', type: 'text' },
  ip: { column: 'ip', type: 'text' },
  offer: { column: 'offer', type: 'text' },
  clickId: { column: 'click_id', type: 'text' },
  creo: { column: 'creo', type: 'text' },
  description: { column: 'description', type: 'text' },
  domain: { column: 'domain', type: 'text' },
  marker: { column: 'marker', type: 'text' },
  sourcetype: { column: 'sourcetype', type: 'text' },
  extra: { column: 'extra', type: 'jsonb' },
  issues: { column: 'issues', type: 'jsonb' },
} as const satisfies Record<keyof NormalizedLead, { column: string; type: string }>;

type NormalizedField = keyof typeof NORMALIZED_COLUMNS;
const NORMALIZED_FIELDS = Object.keys(NORMALIZED_COLUMNS) as NormalizedField[];
const normalizedColumn = (field: NormalizedField): string => `"${NORMALIZED_COLUMNS[field].column}"`;

/** The fields a lead list shows. */
const SUMMARY_FIELDS = ['email', 'phone', 'country', 'offer', 'firstName', 'lastName'] as const satisfies ReadonlyArray<
  NormalizedField & keyof LeadSummary
>;

/** `a."x", a."y"` for these fields. */
function columnList(fields: readonly NormalizedField[], alias?: string): string {
  return fields.map((field) => (alias ? `${alias}.${normalizedColumn(field)}` : normalizedColumn(field))).join(', ');
}

/** A lead to store: the request it came with, its bytes and what normalization made of them. */
export interface NewLead {
  id: string;
  meta: IntakeRequestMeta;
  idempotencyKey: string | null;
  fingerprint: string;
  requestId: string | null;
  body: Buffer;
  payload: Record<string, unknown>;
  normalized: NormalizedLead;
  /**
   * A lead from a suppressed identity: stored redacted (`body` empty, `payload` and personal fields
   * emptied), with the sha256 of the bytes it arrived with in `bodySha256`.
   */
  suppressed?: { bodySha256: string };
}

/** What identifies a lead sent with an idempotency key. */
export interface IdempotencyKey {
  workspaceId: string;
  source: string;
  idempotencyKey: string | null;
}

/** The lead stored under an idempotency key, with what says whether a new send is the same. */
export interface KeyedLead extends IdempotencyKey {
  id: string;
  fingerprint: string;
  receivedAt: Date;
}

export interface LeadFilters {
  source?: string;
  offer?: string;
  /** Compared with the stored, lower-cased email. */
  email?: string;
  from?: string;
  to?: string;
}

/** A stored lead with its raw request, as an admin reads it. */
export interface LeadRecord {
  summary: LeadSummary;
  workspaceId: string;
  idempotencyKey: string | null;
  /** `extra` is null when it is larger than the read's byte limit. */
  normalized: Omit<NormalizedLead, 'extra'> & { extra: Record<string, unknown> | null };
  raw: { contentType: string; headers: Record<string, string>; body: Buffer; bodyBytes: number };
}

type Row = Record<string, unknown>;

function summaryOf(row: Row): LeadSummary {
  const shown = Object.fromEntries(SUMMARY_FIELDS.map((field) => [field, row[NORMALIZED_COLUMNS[field].column]]));
  return {
    id: row['id'] as string,
    source: row['source'] as string,
    receivedAt: (row['received_at'] as Date).toISOString(),
    ...(shown as Pick<LeadSummary, (typeof SUMMARY_FIELDS)[number]>),
  };
}

function normalizedOf(row: Row): LeadRecord['normalized'] {
  return Object.fromEntries(NORMALIZED_FIELDS.map((field) => [field, row[NORMALIZED_COLUMNS[field].column]])) as LeadRecord['normalized'];
}

/**
 * The lead aggregate: a request's raw bytes (`raw_leads`, which also holds the idempotency key)
 * and its normalized form (`leads`), one row each under the same id.
 */
@Injectable()
export class LeadRepository {
  private readonly raw: string;
  private readonly leads: string;
  private readonly insertCtes: string;

  constructor(@InjectDataSource() private readonly dataSource: DataSource) {
    this.raw = qualifiedTable(dataSource, 'raw_leads');
    this.leads = qualifiedTable(dataSource, 'leads');
    this.insertCtes = this.buildInsertCtes();
  }

  /**
   * The statement that stores the raw rows and, for those whose key was not taken, their
   * normalized leads; its keys are the ids stored now. A key taken by a transaction still in flight
   * waits for it. Run through `Outbox.addManyWith`, so that the leads' events are written by the
   * same statement.
   */
  insertNewStatement(leads: readonly NewLead[]): CausingStatement {
    const records = leads.map((lead, ord) => {
      const record: Row = {
        ord,
        id: lead.id,
        workspace_id: lead.meta.workspaceId,
        source: lead.meta.source,
        idempotency_key: lead.idempotencyKey,
        fingerprint: lead.fingerprint,
        content_type: lead.meta.contentType,
        headers: lead.meta.headers,
        remote_address: lead.meta.remoteAddress,
        body: lead.body.toString('base64'),
        received_at: lead.meta.receivedAt,
        request_id: lead.requestId,
        payload: lead.payload,
        suppressed: lead.suppressed !== undefined,
        body_sha256: lead.suppressed?.bodySha256 ?? null,
      };
      for (const field of NORMALIZED_FIELDS) record[NORMALIZED_COLUMNS[field].column] = lead.normalized[field];
      return record;
    });
    return { ctes: this.insertCtes, keys: `SELECT "id"::text AS "key" FROM "raw"`, params: [JSON.stringify(records)] };
  }

  /** The leads stored under these keys (each names its workspace). */
  async findByKeys(keys: readonly IdempotencyKey[]): Promise<KeyedLead[]> {
    if (keys.length === 0) return [];
    const rows = (await this.dataSource.query(
      `SELECT r."id", r."workspace_id", r."source", r."idempotency_key", r."fingerprint", r."received_at"
       FROM ${this.raw} r
       JOIN unnest($1::text[], $2::text[], $3::text[]) AS k("workspace_id", "source", "idempotency_key")
         ON r."workspace_id" = k."workspace_id" AND r."source" = k."source" AND r."idempotency_key" = k."idempotency_key"`,
      [keys.map((k) => k.workspaceId), keys.map((k) => k.source), keys.map((k) => k.idempotencyKey)],
    )) as Array<{ id: string; workspace_id: string; source: string; idempotency_key: string; fingerprint: string; received_at: Date }>;
    return rows.map((row) => ({
      id: row.id,
      workspaceId: row.workspace_id,
      source: row.source,
      idempotencyKey: row.idempotency_key,
      fingerprint: row.fingerprint,
      receivedAt: row.received_at,
    }));
  }

  /** A page of the workspace's leads, newest first. */
  async list(workspaceId: string, filters: LeadFilters, page: { cursor?: string; limit: number }): Promise<Page<LeadSummary>> {
    const filter = new SqlFilter()
      .where('"workspace_id" = ?', workspaceId)
      .where('"source" = ?', filters.source)
      .where('"offer" = ?', filters.offer)
      .where('"email" = ?', filters.email)
      .where('"received_at" >= ?', filters.from)
      .where('"received_at" < ?', filters.to);
    return selectPage(
      this.dataSource,
      {
        select: `"id", "source", "received_at", ${columnList(SUMMARY_FIELDS)}`,
        from: this.leads,
        filter,
        idColumn: '"id"',
        afterId: page.cursor,
        limit: page.limit,
      },
      summaryOf,
    );
  }

  /**
   * One lead of the workspace with its raw request. The body is read up to `maxBytes`, and `extra`
   * only when its JSON is within `maxBytes`, so that a huge lead does not make a huge reply.
   */
  async get(workspaceId: string, id: string, maxBytes: number): Promise<LeadRecord | undefined> {
    const [row] = (await this.dataSource.query(
      `SELECT l."id", l."workspace_id", l."source", l."received_at", ${columnList(
        NORMALIZED_FIELDS.filter((field) => field !== 'extra'),
        'l',
      )},
         CASE WHEN octet_length(l."extra"::text) <= $3 THEN l."extra" END AS "extra",
         r."idempotency_key", r."content_type", r."headers",
         substring(r."body" FROM 1 FOR $3) AS "body", length(r."body") AS "body_bytes"
       FROM ${this.leads} l JOIN ${this.raw} r ON r."id" = l."id"
       WHERE l."workspace_id" = $1 AND l."id" = $2`,
      [workspaceId, id, maxBytes],
    )) as Row[];
    if (!row) return undefined;
    return {
      summary: summaryOf(row),
      workspaceId: row['workspace_id'] as string,
      idempotencyKey: row['idempotency_key'] as string | null,
      normalized: normalizedOf(row),
      raw: {
        contentType: row['content_type'] as string,
        headers: row['headers'] as Record<string, string>,
        body: row['body'] as Buffer,
        bodyBytes: row['body_bytes'] as number,
      },
    };
  }

  private buildInsertCtes(): string {
    const normalizedInput = NORMALIZED_FIELDS.map((field) => `${normalizedColumn(field)} ${NORMALIZED_COLUMNS[field].type}`).join(', ');
    return `
      "input" AS (
        SELECT * FROM jsonb_to_recordset($1::jsonb) AS i("ord" int, "id" uuid, "workspace_id" text, "source" text,
          "idempotency_key" text, "fingerprint" text, "content_type" text, "headers" jsonb, "remote_address" text, "body" text,
          "received_at" timestamptz, "request_id" text, "payload" jsonb, "suppressed" boolean, "body_sha256" text, ${normalizedInput})
      ),
      "raw" AS (
        INSERT INTO ${this.raw} ("id", "workspace_id", "source", "idempotency_key", "fingerprint", "content_type", "headers",
          "remote_address", "body", "received_at", "request_id", "body_sha256", "redacted_at")
        SELECT "id", "workspace_id", "source", "idempotency_key", "fingerprint", "content_type", "headers", "remote_address",
          decode("body", 'base64'), "received_at", "request_id", "body_sha256", CASE WHEN "suppressed" THEN now() END
        FROM "input"
        -- In key order (the first of a repeated key in the group wins), so that two groups repeating
        -- the same keys in other orders wait for each other instead of deadlocking.
        ORDER BY "workspace_id" COLLATE "C", "source" COLLATE "C", "idempotency_key" COLLATE "C", "ord"
        ON CONFLICT ON CONSTRAINT "raw_leads_idempotency_key" DO NOTHING
        RETURNING "id"
      ),
      "lead" AS (
        INSERT INTO ${this.leads} ("id", "workspace_id", "source", "received_at", "payload", "suppressed", "redacted_at",
          ${columnList(NORMALIZED_FIELDS)})
        SELECT i."id", i."workspace_id", i."source", i."received_at", i."payload", i."suppressed",
          CASE WHEN i."suppressed" THEN now() END, ${columnList(NORMALIZED_FIELDS, 'i')}
        FROM "input" i JOIN "raw" r ON r."id" = i."id" ORDER BY i."ord"
      )`;
  }
}
