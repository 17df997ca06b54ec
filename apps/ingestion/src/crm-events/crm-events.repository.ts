import {
  type CrmEventListQuery,
  type CrmEventStatus,
  type CrmEventView,
  CRM_EVENT_STATUSES,
  type CrmObjectType,
  type CrmStatusCounts,
  type Page,
} from '@leadflow/contracts';
import { qualifiedTable, selectPage, SqlFilter } from '@leadflow/database';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { CausingStatement } from '@leadflow/messaging';
import type { PostgresConnectionOptions } from 'typeorm/driver/postgres/PostgresConnectionOptions';
import type { DataSource, EntityManager } from 'typeorm';

/** The tables partitioned by event time, one partition a month each, in the order they are locked: the log first. */
export const CRM_PARTITIONED_TABLES = ['crm_events_log', 'crm_leads_staging', 'crm_contacts_staging', 'crm_opportunities_staging'] as const;

const STAGING_TABLE: Record<CrmObjectType, string> = {
  lead: 'crm_leads_staging',
  contact: 'crm_contacts_staging',
  opportunity: 'crm_opportunities_staging',
};

export interface NewCrmEvent {
  id: string;
  integrationId: string;
  workspaceId: string;
  kind: string;
  dedupKey: string;
  externalEventId: string | null;
  type: string | null;
  externalId: string | null;
  sourceUpdatedAt: string | null;
  eventAt: Date;
  receivedAt: Date;
  headers: Record<string, string>;
  body: Buffer;
  fields: Record<string, unknown> | null;
  status: CrmEventStatus;
  reason: string | null;
  error: string | null;
  requestId: string | null;
}

export interface CrmEventRow {
  id: string;
  integration_id: string;
  workspace_id: string;
  kind: string;
  dedup_key: string;
  external_event_id: string | null;
  type: string | null;
  external_id: string | null;
  source_updated_at: Date | null;
  event_at: Date;
  received_at: Date;
  body: Buffer;
  fields: Record<string, unknown> | null;
  status: CrmEventStatus;
  reason: string | null;
  error: string | null;
  attempts: number;
  dead_lettered: boolean;
  held: boolean;
  lead_id: string | null;
  record_id: string | null;
}

/** What settling an outcome reads of its event. */
export type CrmOutcomeRow = Pick<CrmEventRow, 'id' | 'integration_id' | 'workspace_id' | 'event_at' | 'attempts'>;

/** An outcome as recorded on its event. */
export interface CrmSettledOutcome {
  id: string;
  eventAt: Date;
  status: CrmEventStatus;
  reason: string | null;
  error: string | null;
  recordId: string | null;
  deadLettered: boolean;
}

/** A change of an event's outcome; fields left undefined keep their value. */
export interface CrmEventChange {
  status?: CrmEventStatus;
  reason?: string | null;
  error?: string | null;
  attempts?: number;
  deadLettered?: boolean;
  held?: boolean;
  leadId?: string | null;
  recordId?: string | null;
  fields?: Record<string, unknown> | null;
  type?: string | null;
  externalId?: string | null;
  sourceUpdatedAt?: string | null;
}

const VIEW_COLUMNS = `"id", "integration_id", "received_at", "event_at", "type", "external_event_id", "external_id", "status", "reason",
  "error", "attempts", "dead_lettered", "held", "lead_id", "record_id"`;

/** The SQL of the CRM event log, its staging tables and partitions, replay keys, refused webhooks and lead links. */
@Injectable()
export class CrmEventsRepository {
  private readonly schema: string;
  private readonly integrations: string;
  private readonly ids: string;
  private readonly log: string;
  private readonly rejected: string;
  private readonly links: string;

  constructor(@InjectDataSource() private readonly dataSource: DataSource) {
    this.schema = (dataSource.options as PostgresConnectionOptions).schema ?? 'public';
    this.integrations = qualifiedTable(dataSource, 'crm_integrations');
    this.ids = qualifiedTable(dataSource, 'crm_event_ids');
    this.log = qualifiedTable(dataSource, 'crm_events_log');
    this.rejected = qualifiedTable(dataSource, 'crm_rejected_webhooks');
    this.links = qualifiedTable(dataSource, 'crm_lead_links');
  }

  /**
   * The integration's paused state, its row locked for share: storing waits for a resume in flight
   * (which locks it for update), so an event is either held before the resume or handed on after.
   */
  async lockIntegration(manager: EntityManager, integrationId: string, workspaceId: string, paused: boolean): Promise<boolean> {
    const read = async () =>
      (
        (await manager.query(`SELECT "paused" FROM ${this.integrations} WHERE "id" = $1 FOR SHARE`, [integrationId])) as Array<{
          paused: boolean;
        }>
      )[0];
    const known = await read();
    if (known) return known.paused;
    // The integration's first event: it starts as the gateway knows it.
    await manager.query(
      `INSERT INTO ${this.integrations} ("id", "workspace_id", "paused") VALUES ($1, $2, $3) ON CONFLICT ("id") DO NOTHING`,
      [integrationId, workspaceId, paused],
    );
    return (await read())?.paused ?? paused;
  }

  /** Records the integration (as the gateway knows it) unless ingestion knows it already. */
  async ensureIntegration(integrationId: string, workspaceId: string, paused: boolean): Promise<void> {
    await this.dataSource.query(
      `INSERT INTO ${this.integrations} ("id", "workspace_id", "paused") VALUES ($1, $2, $3) ON CONFLICT ("id") DO NOTHING`,
      [integrationId, workspaceId, paused],
    );
  }

  /**
   * One statement that stores a webhook: its replay key, the event (held when the integration is
   * paused and `publish` is set; handed on with its first attempt otherwise) and its staging row;
   * its keys are the event's id when it was stored now and is to be published. Its tables are
   * locked in the order month partitions are made (the log before its staging table), so making
   * one never deadlocks with a store. The integration's
   * row is read `FOR SHARE` by the statement, so a resume in flight is waited for. Run through
   * `Outbox.addManyWith`, which writes `crm_event.received` in the same statement.
   */
  storeStatement(event: NewCrmEvent, staging: CrmObjectType | null, publish: boolean): CausingStatement {
    const stagingCte = staging
      ? `, "staged" AS (
          INSERT INTO "${this.schema}"."${STAGING_TABLE[staging]}"
            ("crm_event_id", "integration_id", "workspace_id", "type", "external_id", "source_updated_at", "event_at", "received_at", "fields")
          SELECT c."id", $2::uuid, $3, $7, $8, $9::timestamptz, $10::timestamptz, $11::timestamptz, $14::jsonb FROM "claimed" c)`
      : '';
    return {
      ctes: `"integ" AS (SELECT "paused" FROM ${this.integrations} WHERE "id" = $2::uuid FOR SHARE),
        "claimed" AS (
          INSERT INTO ${this.ids} ("id", "integration_id", "dedup_key", "event_at", "received_at")
          VALUES ($1::uuid, $2::uuid, $5, $10::timestamptz, $11::timestamptz)
          ON CONFLICT ("integration_id", "dedup_key") DO NOTHING RETURNING "id"),
        "logged" AS (
          INSERT INTO ${this.log} ("id", "integration_id", "workspace_id", "kind", "dedup_key", "external_event_id", "type", "external_id",
            "source_updated_at", "event_at", "received_at", "headers", "body", "fields", "status", "reason", "error", "attempts", "held", "request_id")
          SELECT c."id", $2::uuid, $3, $4, $5, $6, $7, $8, $9::timestamptz, $10::timestamptz, $11::timestamptz, $12::jsonb, $13::bytea,
            $14::jsonb, $15, $16, $17,
            CASE WHEN $18::boolean AND NOT coalesce(i."paused", false) THEN 1 ELSE 0 END,
            $18::boolean AND coalesce(i."paused", false), $19
          FROM "claimed" c LEFT JOIN "integ" i ON true
          RETURNING "id", "held")${stagingCte}`,
      keys: `SELECT "id"::text AS "key" FROM "logged" WHERE $18::boolean AND NOT "held"`,
      params: [
        event.id,
        event.integrationId,
        event.workspaceId,
        event.kind,
        event.dedupKey,
        event.externalEventId,
        event.type,
        event.externalId,
        event.sourceUpdatedAt,
        event.eventAt,
        event.receivedAt,
        JSON.stringify(event.headers),
        event.body,
        event.fields === null ? null : JSON.stringify(event.fields),
        event.status,
        event.reason,
        event.error,
        publish,
        event.requestId,
      ],
    };
  }

  /** The event that holds the webhook's key. */
  async eventOfKey(integrationId: string, dedupKey: string): Promise<string | undefined> {
    const [row] = (await this.dataSource.query(`SELECT "id" FROM ${this.ids} WHERE "integration_id" = $1 AND "dedup_key" = $2`, [
      integrationId,
      dedupKey,
    ])) as Array<{ id: string }>;
    return row?.id;
  }

  /** Sets the paused state, the row locked for update until the caller's transaction ends. */
  async setPaused(manager: EntityManager, integrationId: string, workspaceId: string, paused: boolean): Promise<void> {
    await manager.query(
      `INSERT INTO ${this.integrations} ("id", "workspace_id", "paused") VALUES ($1, $2, $3)
       ON CONFLICT ("id") DO UPDATE SET "paused" = EXCLUDED."paused", "updated_at" = now()`,
      [integrationId, workspaceId, paused],
    );
    await manager.query(`SELECT 1 FROM ${this.integrations} WHERE "id" = $1 FOR UPDATE`, [integrationId]);
  }

  async isPaused(integrationId: string): Promise<boolean> {
    const [row] = (await this.dataSource.query(`SELECT "paused" FROM ${this.integrations} WHERE "id" = $1`, [integrationId])) as Array<{
      paused: boolean;
    }>;
    return row?.paused ?? false;
  }

  /** Takes the webhook's key for this integration; the id of the event that holds it already when it is taken. */
  async claimKey(
    manager: EntityManager,
    key: { id: string; integrationId: string; dedupKey: string; eventAt: Date; receivedAt: Date },
  ): Promise<{ claimed: true } | { claimed: false; eventId: string }> {
    const inserted = (await manager.query(
      `INSERT INTO ${this.ids} ("id", "integration_id", "dedup_key", "event_at", "received_at") VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT ("integration_id", "dedup_key") DO NOTHING RETURNING "id"`,
      [key.id, key.integrationId, key.dedupKey, key.eventAt, key.receivedAt],
    )) as unknown[];
    if (inserted.length > 0) return { claimed: true };
    const [earlier] = (await manager.query(`SELECT "id" FROM ${this.ids} WHERE "integration_id" = $1 AND "dedup_key" = $2`, [
      key.integrationId,
      key.dedupKey,
    ])) as Array<{ id: string }>;
    if (!earlier) throw new Error('a webhook key conflicted without a stored row');
    return { claimed: false, eventId: earlier.id };
  }

  async insert(manager: EntityManager, event: NewCrmEvent & { held: boolean; attempts: number; leadId: string | null }): Promise<void> {
    await manager.query(
      `INSERT INTO ${this.log} ("id", "integration_id", "workspace_id", "kind", "dedup_key", "external_event_id", "type", "external_id",
         "source_updated_at", "event_at", "received_at", "headers", "body", "fields", "status", "reason", "error", "attempts", "held",
         "lead_id", "request_id")
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21)`,
      [
        event.id,
        event.integrationId,
        event.workspaceId,
        event.kind,
        event.dedupKey,
        event.externalEventId,
        event.type,
        event.externalId,
        event.sourceUpdatedAt,
        event.eventAt,
        event.receivedAt,
        event.headers,
        event.body,
        event.fields,
        event.status,
        event.reason,
        event.error,
        event.attempts,
        event.held,
        event.leadId,
        event.requestId,
      ],
    );
  }

  /** The record as the CRM sent it, for analytics, in its kind's staging table (once per event: a re-read one is staged if it was not). */
  async insertStaging(
    manager: EntityManager,
    kind: CrmObjectType,
    event: Pick<
      NewCrmEvent,
      'id' | 'integrationId' | 'workspaceId' | 'type' | 'externalId' | 'sourceUpdatedAt' | 'eventAt' | 'receivedAt' | 'fields'
    >,
  ): Promise<void> {
    await manager.query(
      `INSERT INTO "${this.schema}"."${STAGING_TABLE[kind]}"
         ("crm_event_id", "integration_id", "workspace_id", "type", "external_id", "source_updated_at", "event_at", "received_at", "fields")
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT ("crm_event_id", "event_at") DO NOTHING`,
      [
        event.id,
        event.integrationId,
        event.workspaceId,
        event.type,
        event.externalId,
        event.sourceUpdatedAt,
        event.eventAt,
        event.receivedAt,
        event.fields,
      ],
    );
  }

  /** One event, locked for update in the caller's transaction (found by its id's event time: one partition read). */
  async lock(manager: EntityManager, integrationId: string, eventId: string): Promise<CrmEventRow | undefined> {
    const [row] = (await manager.query(
      `SELECT l.* FROM ${this.log} l JOIN ${this.ids} i ON i."id" = l."id" AND i."event_at" = l."event_at"
       WHERE l."id" = $1 AND l."integration_id" = $2 FOR UPDATE OF l`,
      [eventId, integrationId],
    )) as CrmEventRow[];
    return row;
  }

  /**
   * The events outcomes name, locked, with what settling an outcome reads (not their bytes); in id
   * order, so that two batches lock shared events in one order.
   */
  async lockForOutcomes(manager: EntityManager, refs: ReadonlyArray<{ integrationId: string; eventId: string }>): Promise<CrmOutcomeRow[]> {
    if (refs.length === 0) return [];
    return (await manager.query(
      `SELECT l."id", l."integration_id", l."workspace_id", l."event_at", l."attempts"
       FROM ${this.log} l JOIN ${this.ids} i ON i."id" = l."id" AND i."event_at" = l."event_at"
       JOIN unnest($1::uuid[], $2::uuid[]) AS r("id", "integration_id") ON r."id" = l."id" AND r."integration_id" = l."integration_id"
       ORDER BY l."id" FOR UPDATE OF l`,
      [refs.map((ref) => ref.eventId), refs.map((ref) => ref.integrationId)],
    )) as CrmOutcomeRow[];
  }

  /** Records outcomes, one statement for all. */
  async settleOutcomes(manager: EntityManager, outcomes: readonly CrmSettledOutcome[]): Promise<void> {
    if (outcomes.length === 0) return;
    const column = <K extends keyof CrmSettledOutcome>(key: K) => outcomes.map((outcome) => outcome[key]);
    await manager.query(
      `UPDATE ${this.log} l SET "updated_at" = now(), "status" = o."status", "reason" = o."reason", "error" = o."error",
         "record_id" = o."record_id", "dead_lettered" = o."dead_lettered"
       FROM unnest($1::uuid[], $2::timestamptz[], $3::text[], $4::text[], $5::text[], $6::uuid[], $7::boolean[])
         AS o("id", "event_at", "status", "reason", "error", "record_id", "dead_lettered")
       WHERE l."id" = o."id" AND l."event_at" = o."event_at"`,
      [column('id'), column('eventAt'), column('status'), column('reason'), column('error'), column('recordId'), column('deadLettered')],
    );
  }

  async update(manager: EntityManager, row: Pick<CrmEventRow, 'id' | 'event_at'>, change: CrmEventChange): Promise<void> {
    const filter = new SqlFilter();
    const sets: string[] = ['"updated_at" = now()'];
    const set = (column: string, value: unknown) => {
      if (value !== undefined) sets.push(`"${column}" = ${filter.param(value)}`);
    };
    set('status', change.status);
    set('reason', change.reason);
    set('error', change.error);
    set('attempts', change.attempts);
    set('dead_lettered', change.deadLettered);
    set('held', change.held);
    set('lead_id', change.leadId);
    set('record_id', change.recordId);
    set('fields', change.fields === undefined ? undefined : change.fields === null ? null : JSON.stringify(change.fields));
    set('type', change.type);
    set('external_id', change.externalId);
    set('source_updated_at', change.sourceUpdatedAt);
    filter.where('"id" = ?', row.id).where('"event_at" = ?', row.event_at);
    await manager.query(`UPDATE ${this.log} SET ${sets.join(', ')} WHERE ${filter.sql}`, filter.params);
  }

  /** The integration's events held while it was paused, in event-time order, locked. */
  async lockHeld(manager: EntityManager, integrationId: string): Promise<CrmEventRow[]> {
    return (await manager.query(
      `SELECT * FROM ${this.log} WHERE "integration_id" = $1 AND "held" ORDER BY "event_at", "source_updated_at", "received_at", "id" FOR UPDATE`,
      [integrationId],
    )) as CrmEventRow[];
  }

  /** Events received in [from, to) (of a status), in event-time order, locked. */
  async lockRange(
    manager: EntityManager,
    integrationId: string,
    range: { from: Date; to: Date; status?: CrmEventStatus },
    limit: number,
  ): Promise<CrmEventRow[]> {
    const filter = new SqlFilter()
      .where('"integration_id" = ?', integrationId)
      .where('"received_at" >= ?', range.from)
      .where('"received_at" < ?', range.to)
      .where('"status" = ?', range.status);
    const limitParam = filter.param(limit);
    return (await manager.query(
      `SELECT * FROM ${this.log} WHERE ${filter.sql} ORDER BY "event_at", "source_updated_at", "received_at", "id" LIMIT ${limitParam} FOR UPDATE`,
      filter.params,
    )) as CrmEventRow[];
  }

  /** Lead events stored but not applied (the process stopped in between), oldest first. */
  async unappliedLeadEvents(olderThan: Date, limit: number): Promise<Array<{ id: string; integration_id: string }>> {
    return (await this.dataSource.query(
      `SELECT l."id", l."integration_id" FROM ${this.log} l JOIN ${this.integrations} i ON i."id" = l."integration_id" AND NOT i."paused"
       WHERE l."status" = 'received' AND NOT l."held" AND l."type" IN ('lead.created', 'lead.updated') AND l."received_at" < $1
       ORDER BY l."event_at" LIMIT $2`,
      [olderThan, limit],
    )) as Array<{ id: string; integration_id: string }>;
  }

  async list(query: CrmEventListQuery): Promise<Page<CrmEventView>> {
    const filter = new SqlFilter()
      .where('"workspace_id" = ?', query.workspaceId)
      .where('"integration_id" = ?', query.integrationId)
      .where('"status" = ?', query.status)
      .where('"type" = ?', query.type)
      .where('"received_at" >= ?', query.from)
      .where('"received_at" < ?', query.to);
    return selectPage(
      this.dataSource,
      { select: VIEW_COLUMNS, from: this.log, filter, idColumn: '"id"', afterId: query.cursor, limit: query.limit },
      view,
    );
  }

  async find(integrationId: string, eventId: string): Promise<CrmEventView | undefined> {
    const [row] = (await this.dataSource.query(`SELECT ${VIEW_COLUMNS} FROM ${this.log} WHERE "integration_id" = $1 AND "id" = $2`, [
      integrationId,
      eventId,
    ])) as Array<Parameters<typeof view>[0]>;
    return row ? view(row) : undefined;
  }

  /** Counts per status of events received since each instant, the oldest still waiting, the last one, dead letters. */
  async status(
    integrationId: string,
    now: Date,
  ): Promise<{ lastHour: CrmStatusCounts; lastDay: CrmStatusCounts; oldestWaiting: Date | null; last: Date | null; deadLettered: number }> {
    const hourAgo = new Date(now.getTime() - 3600_000);
    const dayAgo = new Date(now.getTime() - 86_400_000);
    const counts = (await this.dataSource.query(
      `SELECT "status", count(*) FILTER (WHERE "received_at" >= $2)::int AS "hour", count(*)::int AS "day"
       FROM ${this.log} WHERE "integration_id" = $1 AND "received_at" >= $3 GROUP BY "status"`,
      [integrationId, hourAgo, dayAgo],
    )) as Array<{ status: CrmEventStatus; hour: number; day: number }>;
    const [times] = (await this.dataSource.query(
      `SELECT (SELECT min("received_at") FROM ${this.log} WHERE "integration_id" = $1 AND "status" = 'received') AS "oldest",
              (SELECT max("received_at") FROM ${this.log} WHERE "integration_id" = $1) AS "last",
              (SELECT count(*)::int FROM ${this.log} WHERE "integration_id" = $1 AND "dead_lettered") AS "dead"`,
      [integrationId],
    )) as Array<{ oldest: Date | null; last: Date | null; dead: number }>;
    const empty = () => Object.fromEntries(CRM_EVENT_STATUSES.map((status) => [status, 0])) as CrmStatusCounts;
    const lastHour = empty();
    const lastDay = empty();
    for (const row of counts) {
      lastHour[row.status] = row.hour;
      lastDay[row.status] = row.day;
    }
    return { lastHour, lastDay, oldestWaiting: times?.oldest ?? null, last: times?.last ?? null, deadLettered: times?.dead ?? 0 };
  }

  /** Keeps a refused webhook, then drops the integration's oldest beyond `cap`. */
  async addRejected(
    manager: EntityManager,
    row: {
      id: string;
      integrationId: string;
      workspaceId: string;
      receivedAt: Date;
      code: string;
      reason: string;
      headers: Record<string, string>;
      body: Buffer;
      bodyBytes: number;
      requestId: string | null;
    },
    cap: number,
  ): Promise<void> {
    await manager.query(
      `INSERT INTO ${this.rejected} ("id", "integration_id", "workspace_id", "received_at", "code", "reason", "headers", "body", "body_bytes", "request_id")
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
      [
        row.id,
        row.integrationId,
        row.workspaceId,
        row.receivedAt,
        row.code,
        row.reason,
        row.headers,
        row.body,
        row.bodyBytes,
        row.requestId,
      ],
    );
    await manager.query(
      `DELETE FROM ${this.rejected} WHERE "integration_id" = $1 AND "id" IN (
         SELECT "id" FROM ${this.rejected} WHERE "integration_id" = $1 ORDER BY "id" DESC OFFSET $2)`,
      [row.integrationId, cap],
    );
  }

  async rejectedSince(integrationId: string, since: Date): Promise<number> {
    const [row] = (await this.dataSource.query(
      `SELECT count(*)::int AS "n" FROM ${this.rejected} WHERE "integration_id" = $1 AND "received_at" >= $2`,
      [integrationId, since],
    )) as Array<{ n: number }>;
    return row?.n ?? 0;
  }

  /** The LeadFlow lead a CRM lead was last stored as, with the CRM's time of that version. */
  async leadLink(
    manager: EntityManager,
    integrationId: string,
    externalId: string,
  ): Promise<{ leadId: string; sourceUpdatedAt: Date } | undefined> {
    const [row] = (await manager.query(
      `SELECT "lead_id", "source_updated_at" FROM ${this.links} WHERE "integration_id" = $1 AND "external_id" = $2`,
      [integrationId, externalId],
    )) as Array<{ lead_id: string; source_updated_at: Date }>;
    return row ? { leadId: row.lead_id, sourceUpdatedAt: row.source_updated_at } : undefined;
  }

  /** Links the CRM lead to the lead stored for it, unless a newer version is linked already; true when linked. */
  async linkLead(
    manager: EntityManager,
    integrationId: string,
    externalId: string,
    leadId: string,
    sourceUpdatedAt: string,
  ): Promise<boolean> {
    const rows = (await manager.query(
      `INSERT INTO ${this.links} ("integration_id", "external_id", "lead_id", "source_updated_at") VALUES ($1, $2, $3, $4)
       ON CONFLICT ("integration_id", "external_id") DO UPDATE SET "lead_id" = EXCLUDED."lead_id", "source_updated_at" = EXCLUDED."source_updated_at"
       WHERE ${this.links}."source_updated_at" <= EXCLUDED."source_updated_at" RETURNING 1`,
      [integrationId, externalId, leadId, sourceUpdatedAt],
    )) as unknown[];
    return rows.length > 0;
  }

  // Partitions: one a month per table, named <table>_pYYYYMM.

  /** The months (YYYYMM) that have a partition of the event log. */
  async partitionMonths(): Promise<Set<string>> {
    const rows = (await this.dataSource.query(
      `SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid JOIN pg_class p ON p.oid = i.inhparent
       JOIN pg_namespace n ON n.oid = p.relnamespace WHERE n.nspname = $1 AND p.relname = 'crm_events_log'`,
      [this.schema],
    )) as Array<{ relname: string }>;
    return new Set(rows.map((row) => row.relname.slice(-6)));
  }

  /**
   * Creates the month's partition of every partitioned table unless it exists, under a lock, so
   * that replicas and concurrent requests for one late month create it once.
   */
  async createMonth(month: string): Promise<void> {
    const start = monthStart(month);
    const end = new Date(Date.UTC(start.getUTCFullYear(), start.getUTCMonth() + 1, 1));
    await this.dataSource.transaction(async (manager) => {
      await manager.query(`SELECT pg_advisory_xact_lock(hashtext($1))`, [`leadflow:${this.schema}:crm-partitions`]);
      for (const table of CRM_PARTITIONED_TABLES) {
        await manager.query(
          `CREATE TABLE IF NOT EXISTS "${this.schema}"."${table}_p${month}" PARTITION OF "${this.schema}"."${table}"
           FOR VALUES FROM ('${start.toISOString()}') TO ('${end.toISOString()}')`,
        );
      }
    });
  }

  /** Drops every month's partitions before `month`, and the replay keys of those events; returns the months dropped. */
  async dropMonthsBefore(month: string): Promise<string[]> {
    const dropped = [...(await this.partitionMonths())].filter((existing) => existing < month).sort();
    await this.dataSource.transaction(async (manager) => {
      await manager.query(`SELECT pg_advisory_xact_lock(hashtext($1))`, [`leadflow:${this.schema}:crm-partitions`]);
      for (const existing of dropped) {
        for (const table of CRM_PARTITIONED_TABLES) await manager.query(`DROP TABLE IF EXISTS "${this.schema}"."${table}_p${existing}"`);
      }
      await manager.query(`DELETE FROM ${this.ids} WHERE "event_at" < $1`, [monthStart(month)]);
    });
    return dropped;
  }
}

/** YYYYMM of an instant, in UTC. */
export function monthOf(at: Date): string {
  return `${at.getUTCFullYear()}${String(at.getUTCMonth() + 1).padStart(2, '0')}`;
}

export function monthStart(month: string): Date {
  return new Date(Date.UTC(Number(month.slice(0, 4)), Number(month.slice(4, 6)) - 1, 1));
}

function view(row: {
  id: string;
  integration_id: string;
  received_at: Date;
  event_at: Date;
  type: string | null;
  external_event_id: string | null;
  external_id: string | null;
  status: CrmEventStatus;
  reason: string | null;
  error: string | null;
  attempts: number;
  dead_lettered: boolean;
  held: boolean;
  lead_id: string | null;
  record_id: string | null;
}): CrmEventView {
  return {
    id: row.id,
    integrationId: row.integration_id,
    receivedAt: row.received_at.toISOString(),
    eventAt: row.event_at.toISOString(),
    type: row.type,
    externalEventId: row.external_event_id,
    externalId: row.external_id,
    status: row.status,
    reason: row.reason,
    error: row.error,
    attempts: row.attempts,
    deadLettered: row.dead_lettered,
    held: row.held,
    leadId: row.lead_id,
    recordId: row.record_id,
  };
}
