import { type LeadExport, parseCrmRecordKey, type RejectedRequestExport } from '@leadflow/contracts';
import { qualifiedTable } from '@leadflow/database';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';

type Row = Record<string, unknown>;

/**
 * All SQL of GDPR in ingestion: redacting an erased person's leads, raw requests and refused
 * requests in place (see `redactedNormalized` for what a redacted lead keeps), and exporting leads.
 */
@Injectable()
export class ErasureRepository {
  private readonly raw: string;
  private readonly leads: string;
  private readonly rejected: string;
  private readonly activities: string;
  private readonly rawActivities: string;
  private readonly crmEvents: string;
  private readonly crmRejected: string;
  private readonly crmStaging: string[];

  constructor(@InjectDataSource() private readonly dataSource: DataSource) {
    this.activities = qualifiedTable(dataSource, 'activities');
    this.rawActivities = qualifiedTable(dataSource, 'raw_activity_requests');
    this.raw = qualifiedTable(dataSource, 'raw_leads');
    this.leads = qualifiedTable(dataSource, 'leads');
    this.rejected = qualifiedTable(dataSource, 'rejected_requests');
    this.crmEvents = qualifiedTable(dataSource, 'crm_events_log');
    this.crmRejected = qualifiedTable(dataSource, 'crm_rejected_webhooks');
    this.crmStaging = ['crm_leads_staging', 'crm_contacts_staging', 'crm_opportunities_staging'].map((table) =>
      qualifiedTable(dataSource, table),
    );
  }

  /** The clear emails and phones these leads hold (before they are redacted), to find what else names the person. */
  async clearIdentitiesOf(manager: EntityManager | DataSource, workspaceId: string, leadIds: readonly string[]): Promise<string[]> {
    if (leadIds.length === 0) return [];
    const rows = (await manager.query(
      `SELECT DISTINCT v."value" FROM ${this.leads} l
       CROSS JOIN LATERAL (VALUES (l."email"), (l."phone")) AS v("value")
       WHERE l."workspace_id" = $1 AND l."id" = ANY($2::uuid[]) AND v."value" IS NOT NULL AND length(v."value") >= 5`,
      [workspaceId, leadIds],
    )) as Array<{ value: string }>;
    return rows.map((row) => row.value);
  }

  /**
   * Redacts these leads and the other leads of the workspace with one of these (normalized) emails,
   * with their raw requests: the raw row keeps its id, key, fingerprint, times and the sha256 of
   * its body. The other leads (on their way through contacts when the person was erased, which
   * then makes no contact of them) are marked suppressed. Returns the ids redacted now (already
   * redacted ones are left as they are).
   */
  async redactLeads(manager: EntityManager, workspaceId: string, leadIds: readonly string[], emails: readonly string[]): Promise<string[]> {
    const rows = (await manager.query(
      `WITH "redacted" AS (
         UPDATE ${this.leads} SET "first_name" = NULL, "last_name" = NULL, "email" = NULL, "phone" = NULL, "ip" = NULL,
           "click_id" = NULL, "description" = NULL, "extra" = '{}', "payload" = '{}',
           "issues" = COALESCE((SELECT jsonb_agg(jsonb_build_object('field', e->'field', 'reason', e->'reason'))
                                FROM jsonb_array_elements("issues") AS e), '[]'),
           "redacted_at" = now(), "suppressed" = "suppressed" OR NOT ("id" = ANY($2::uuid[]))
         WHERE "workspace_id" = $1 AND ("id" = ANY($2::uuid[]) OR "email" = ANY($3::text[])) AND "redacted_at" IS NULL
         RETURNING "id"
       ), "raw" AS (
         UPDATE ${this.raw} r SET "body_sha256" = COALESCE(r."body_sha256", encode(sha256(r."body"), 'hex')), "body" = '\\x',
           "headers" = '{}', "remote_address" = NULL, "redacted_at" = COALESCE(r."redacted_at", now())
         FROM "redacted" d WHERE r."id" = d."id"
       )
       SELECT "id" FROM "redacted"`,
      [workspaceId, leadIds, emails],
    )) as Array<{ id: string }>;
    return rows.map((row) => row.id);
  }

  /**
   * Redacts the workspace's refused requests whose kept body holds one of these values (case
   * aside): the row keeps its id, times, size and the sha256 of the bytes it kept. Returns how many.
   */
  async redactRejected(manager: EntityManager, workspaceId: string, values: readonly string[]): Promise<number> {
    if (values.length === 0) return 0;
    const [, count] = (await manager.query(
      `UPDATE ${this.rejected} SET "body_sha256" = COALESCE("body_sha256", encode(sha256("body"), 'hex')), "body" = '\\x',
         "headers" = '{}', "remote_address" = NULL, "reason" = 'redacted (erasure)', "redacted_at" = now()
       WHERE "workspace_id" = $1 AND "redacted_at" IS NULL
         AND encode("body", 'escape') ILIKE ANY (SELECT '%' || v || '%' FROM unnest($2::text[]) AS v)`,
      [workspaceId, values],
    )) as [unknown, number];
    return count;
  }

  /** The workspace's refused requests whose kept body holds one of these values (case aside), oldest first. */
  async exportRejected(workspaceId: string, values: readonly string[], limit: number): Promise<RejectedRequestExport[]> {
    if (values.length === 0) return [];
    const rows = (await this.dataSource.query(
      `SELECT * FROM ${this.rejected}
       WHERE "workspace_id" = $1 AND encode("body", 'escape') ILIKE ANY (SELECT '%' || v || '%' FROM unnest($2::text[]) AS v)
       ORDER BY "id" LIMIT $3`,
      [workspaceId, values, limit],
    )) as Row[];
    return rows.map((row) => ({
      id: row['id'] as string,
      source: row['source'] as string,
      receivedAt: (row['received_at'] as Date).toISOString(),
      reason: row['reason'] as string,
      contentType: row['content_type'] as string,
      headers: row['headers'] as Record<string, unknown>,
      remoteAddress: row['remote_address'] as string | null,
      body: (row['body'] as Buffer).toString('utf8'),
      bodyBytes: row['body_bytes'] as number,
      truncated: row['truncated'] as boolean,
    }));
  }

  /** The leads of these ids with their raw requests, bodies cut to `maxBodyBytes`. */
  async exportLeads(workspaceId: string, leadIds: readonly string[], maxBodyBytes: number): Promise<LeadExport[]> {
    if (leadIds.length === 0) return [];
    const rows = (await this.dataSource.query(
      `SELECT l.*, r."idempotency_key", r."content_type", r."headers", r."remote_address",
         substring(r."body" FROM 1 FOR $3) AS "body", length(r."body") AS "body_bytes"
       FROM ${this.leads} l JOIN ${this.raw} r ON r."id" = l."id"
       WHERE l."workspace_id" = $1 AND l."id" = ANY($2::uuid[]) ORDER BY l."id"`,
      [workspaceId, leadIds, maxBodyBytes],
    )) as Row[];
    return rows.map((row): LeadExport => {
      const {
        id,
        source,
        received_at,
        idempotency_key,
        content_type,
        headers,
        remote_address,
        body,
        body_bytes,
        payload,
        suppressed,
        redacted_at,
        workspace_id: _w,
        ...normalized
      } = row;
      const bytes = body as Buffer;
      return {
        id: id as string,
        source: source as string,
        receivedAt: (received_at as Date).toISOString(),
        idempotencyKey: idempotency_key as string | null,
        redacted: redacted_at !== null,
        suppressed: suppressed as boolean,
        normalized,
        payload: payload as Record<string, unknown>,
        raw: {
          contentType: content_type as string,
          headers: headers as Record<string, unknown>,
          remoteAddress: remote_address as string | null,
          body: bytes.toString('utf8'),
          bodyBytes: body_bytes as number,
          truncated: (body_bytes as number) > bytes.length,
        },
      };
    });
  }

  /**
   * Erasure: the workspace's activities carrying any of these hashes (of an email, phone, tracker id
   * or contact id: `identity_hashes`) lose what names the person (ids, email, phone, properties,
   * traits), and so do the raw requests they came in (their sha256 kept). Returns how many
   * activities were redacted now (already redacted ones are left as they are).
   */
  async redactActivities(manager: EntityManager, workspaceId: string, hashes: readonly string[]): Promise<number> {
    if (hashes.length === 0) return 0;
    const rows = (await manager.query(
      `WITH "hit" AS (
         UPDATE ${this.activities} SET "anonymous_id" = NULL, "user_id" = NULL, "previous_id" = NULL, "email" = NULL,
           "phone" = NULL, "properties" = '{}', "traits" = '{}', "redacted_at" = now()
         WHERE "workspace_id" = $1 AND "identity_hashes" && $2::text[] AND "redacted_at" IS NULL
         RETURNING "raw_request_id"
       ), "raw" AS (
         UPDATE ${this.rawActivities} r SET "body_sha256" = COALESCE(r."body_sha256", encode(sha256(r."body"), 'hex')), "body" = '',
           "headers" = '{}', "remote_address" = NULL, "redacted_at" = COALESCE(r."redacted_at", now())
         WHERE r."id" IN (SELECT "raw_request_id" FROM "hit") AND r."redacted_at" IS NULL
       )
       SELECT count(*)::int AS "count" FROM "hit"`,
      [workspaceId, hashes],
    )) as Array<{ count: number }>;
    return rows[0]?.count ?? 0;
  }

  /**
   * CRM webhooks about the person: the events of their leads (`lead_id`), and the events and
   * refused webhooks whose record names one of their clear emails or phones (the email in any
   * case) or whose bytes hold one, and the events of their CRM contact records (`crmContactRecords`
   * of `contact.erased`: the contact events of each record, and the deals naming it as their
   * contact), which finds a person a CRM named only in contact events, never in a lead. Bodies and
   * headers are emptied, fields and staging rows cleared; ids, times, types and statuses stay.
   * Returns the events redacted now.
   */
  async redactCrmEvents(
    manager: EntityManager,
    workspaceId: string,
    leadIds: readonly string[],
    clear: readonly string[],
    crmContactRecords: readonly string[] = [],
  ): Promise<number> {
    if (leadIds.length === 0 && clear.length === 0 && crmContactRecords.length === 0) return 0;
    const lowered = clear.map((value) => value.toLowerCase());
    const records = crmContactRecords.map(parseCrmRecordKey);
    const names = `(EXISTS (SELECT 1 FROM unnest($3::text[]) AS v("value") WHERE position(convert_to(v."value", 'UTF8') IN t."body") > 0))`;
    const rows = (await manager.query(
      `WITH "hit" AS (
         UPDATE ${this.crmEvents} t SET "body" = '', "headers" = '{}', "fields" = CASE WHEN t."fields" IS NULL THEN NULL ELSE '{}'::jsonb END,
           "updated_at" = now()
         WHERE t."workspace_id" = $1 AND (octet_length(t."body") > 0 OR t."fields" <> '{}'::jsonb) AND (
           t."lead_id" = ANY($2::uuid[]) OR lower(t."fields"->>'email') = ANY($4::text[]) OR t."fields"->>'phone' = ANY($3::text[]) OR ${names}
           -- The person's CRM contact records: their events, and the deals that name them as their contact.
           OR EXISTS (SELECT 1 FROM unnest($5::uuid[], $6::text[]) AS r("integration_id", "external_id")
             WHERE r."integration_id" = t."integration_id" AND (
               (t."type" LIKE 'contact.%' AND t."external_id" = r."external_id") OR t."fields"->>'contactExternalId' = r."external_id")))
         RETURNING t."id", t."event_at"
       ), ${this.crmStaging
         .map(
           (table, i) => `"staged${i}" AS (
         UPDATE ${table} SET "fields" = '{}' WHERE ("crm_event_id", "event_at") IN (SELECT "id", "event_at" FROM "hit"))`,
         )
         .join(', ')}, "refused" AS (
         UPDATE ${this.crmRejected} t SET "body" = '', "headers" = '{}' WHERE t."workspace_id" = $1 AND octet_length(t."body") > 0 AND ${names}
       )
       SELECT count(*)::int AS "count" FROM "hit"`,
      [workspaceId, leadIds, clear, lowered, records.map((r) => r.integrationId), records.map((r) => r.externalId)],
    )) as Array<{ count: number }>;
    return rows[0]?.count ?? 0;
  }
}
