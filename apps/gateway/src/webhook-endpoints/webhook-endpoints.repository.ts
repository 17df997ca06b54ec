import type { Page } from '@leadflow/contracts';
import { qualifiedTable, selectPage, SqlFilter } from '@leadflow/database';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';

export interface EndpointRow {
  id: string;
  workspace_id: string;
  url: string;
  description: string | null;
  event_types: string[];
  enabled: boolean;
  rate_limit_per_second: number | null;
  failing_since: Date | null;
  disabled_reason: string | null;
  disabled_at: Date | null;
  created_by: string;
  created_at: Date;
  updated_at: Date;
}

export interface SecretRow {
  id: string;
  created_at: Date;
  expires_at: Date | null;
}

/** What an attempt needs of its endpoint, in one read: the live endpoint and the secrets valid now. */
export interface DeliveringEndpoint extends EndpointRow {
  secrets: string[];
}

export interface NewDelivery {
  id: string;
  workspaceId: string;
  endpointId: string;
  messageId: string;
  eventType: string;
  body: string;
  /** A postback's expanded URL (a GET); null: a POST of the body to the endpoint's URL. */
  targetUrl?: string;
  /** Refused before any attempt (too large): recorded as failed with this error. */
  failedWith?: string;
}

export interface ClaimedDelivery {
  id: string;
  workspace_id: string;
  endpoint_id: string;
  message_id: string;
  event_type: string;
  body: string;
  target_url: string | null;
  attempts: number;
  total_attempts: number;
}

export interface DeliveryRow {
  id: string;
  endpoint_id: string;
  message_id: string;
  event_type: string;
  status: 'pending' | 'succeeded' | 'failed';
  attempts: number;
  total_attempts: number;
  next_attempt_at: Date | null;
  last_error: string | null;
  created_at: Date;
  completed_at: Date | null;
}

export interface AttemptRow {
  delivery_id: string;
  number: number;
  attempted_at: Date;
  status_code: number | null;
  response_snippet: string | null;
  latency_ms: number;
  error: string | null;
  succeeded: boolean;
}

export interface AttemptRecord {
  deliveryId: string;
  number: number;
  statusCode: number | null;
  responseSnippet: string | null;
  latencyMs: number;
  error: string | null;
  succeeded: boolean;
}

/** The SQL of the webhook endpoints, their secrets, deliveries and attempts. */
@Injectable()
export class WebhookEndpointsRepository {
  private readonly endpoints: string;
  private readonly secrets: string;
  private readonly deliveries: string;
  private readonly attempts: string;
  private readonly clicks: string;

  constructor(@InjectDataSource() private readonly dataSource: DataSource) {
    this.endpoints = qualifiedTable(dataSource, 'webhook_endpoints');
    this.secrets = qualifiedTable(dataSource, 'webhook_endpoint_secrets');
    this.deliveries = qualifiedTable(dataSource, 'webhook_deliveries');
    this.attempts = qualifiedTable(dataSource, 'webhook_delivery_attempts');
    this.clicks = qualifiedTable(dataSource, 'postback_clicks');
  }

  async insert(
    manager: EntityManager,
    row: Pick<
      EndpointRow,
      'id' | 'workspace_id' | 'url' | 'description' | 'event_types' | 'enabled' | 'rate_limit_per_second' | 'created_by'
    >,
  ): Promise<EndpointRow> {
    const [inserted] = (await manager.query(
      `INSERT INTO ${this.endpoints} ("id", "workspace_id", "url", "description", "event_types", "enabled", "rate_limit_per_second", "created_by")
       VALUES ($1, $2, $3, $4, $5::text[], $6, $7, $8) RETURNING *`,
      [row.id, row.workspace_id, row.url, row.description, row.event_types, row.enabled, row.rate_limit_per_second, row.created_by],
    )) as EndpointRow[];
    return inserted as EndpointRow;
  }

  /** A live endpoint of the workspace, locked for update when a manager is given. */
  async find(workspaceId: string, id: string, manager?: EntityManager): Promise<EndpointRow | undefined> {
    const [row] = (await (manager ?? this.dataSource).query(
      `SELECT * FROM ${this.endpoints} WHERE "workspace_id" = $1 AND "id" = $2 AND "kind" = 'webhook' AND "deleted_at" IS NULL${manager ? ' FOR UPDATE' : ''}`,
      [workspaceId, id],
    )) as EndpointRow[];
    return row;
  }

  async list(workspaceId: string, limit: number, afterId: string | undefined): Promise<Page<EndpointRow>> {
    const filter = new SqlFilter().where('"workspace_id" = ?', workspaceId).where(`"kind" = 'webhook'`).where('"deleted_at" IS NULL');
    return selectPage(
      this.dataSource,
      { select: '*', from: this.endpoints, filter, idColumn: '"id"', afterId, limit },
      (row: EndpointRow) => row,
    );
  }

  /** What the enabled endpoints of every workspace subscribe to, and whether any postback is enabled. */
  async subscribedAnywhere(): Promise<{ patterns: string[]; postbacks: boolean }> {
    const [row] = (await this.dataSource.query(
      `SELECT ARRAY(SELECT DISTINCT unnest("event_types") FROM ${this.endpoints} WHERE "kind" = 'webhook' AND "enabled" AND "deleted_at" IS NULL) AS "patterns",
         EXISTS (SELECT 1 FROM ${this.endpoints} WHERE "kind" = 'postback' AND "enabled" AND "deleted_at" IS NULL) AS "postbacks"`,
    )) as Array<{ patterns: string[]; postbacks: boolean }>;
    return { patterns: row?.patterns ?? [], postbacks: row?.postbacks ?? false };
  }

  /** The enabled endpoints of a workspace and what they subscribe to (postbacks: their source and template): the lookup behind each event. */
  async subscribed(
    workspaceId: string,
  ): Promise<Array<{ id: string; event_types: string[]; kind: 'webhook' | 'postback'; source: string | null; url: string }>> {
    return (await this.dataSource.query(
      `SELECT "id", "event_types", "kind", "source", "url" FROM ${this.endpoints} WHERE "workspace_id" = $1 AND "enabled" AND "deleted_at" IS NULL`,
      [workspaceId],
    )) as Array<{ id: string; event_types: string[]; kind: 'webhook' | 'postback'; source: string | null; url: string }>;
  }

  /** Which of `ids` are webhook endpoints of the workspace (not deleted; enabled or not). */
  async existingIds(workspaceId: string, ids: readonly string[]): Promise<Set<string>> {
    const rows = (await this.dataSource.query(
      `SELECT "id" FROM ${this.endpoints} WHERE "workspace_id" = $1 AND "id" = ANY($2::uuid[]) AND "kind" = 'webhook' AND "deleted_at" IS NULL`,
      [workspaceId, ids],
    )) as Array<{ id: string }>;
    return new Set(rows.map((row) => row.id));
  }

  /** The postback of an intake key: an endpoint of kind `postback`, its URL the template. */
  async insertPostback(
    manager: EntityManager,
    row: { id: string; workspaceId: string; apiKeyId: string; source: string; template: string; eventTypes: string[]; createdBy: string },
  ): Promise<void> {
    await manager.query(
      `INSERT INTO ${this.endpoints} ("id", "workspace_id", "url", "event_types", "kind", "api_key_id", "source", "created_by")
       VALUES ($1, $2, $3, $4::text[], 'postback', $5, $6, $7)`,
      [row.id, row.workspaceId, row.template, row.eventTypes, row.apiKeyId, row.source, row.createdBy],
    );
  }

  /** A revoked key's postback stops: deleted, its pending deliveries failed. */
  async deletePostbacksOf(manager: EntityManager, apiKeyId: string): Promise<string[]> {
    const [rows] = (await manager.query(
      `UPDATE ${this.endpoints} SET "deleted_at" = now(), "enabled" = false, "updated_at" = now()
       WHERE "api_key_id" = $1 AND "kind" = 'postback' AND "deleted_at" IS NULL RETURNING "id", "workspace_id"`,
      [apiKeyId],
    )) as [Array<{ id: string; workspace_id: string }>, number];
    if (rows.length > 0) {
      await manager.query(
        `UPDATE ${this.deliveries} SET "status" = 'failed', "completed_at" = now(), "claimed_until" = NULL, "next_attempt_at" = NULL,
           "last_error" = 'the intake key was revoked' WHERE "endpoint_id" = ANY($1::uuid[]) AND "status" = 'pending'`,
        [rows.map((row) => row.id)],
      );
    }
    return rows.map((row) => row.workspace_id);
  }

  /** Sets the values given (undefined keeps one); enabling clears the failure record. */
  async update(
    manager: EntityManager,
    id: string,
    change: {
      url?: string;
      description?: string | null;
      eventTypes?: string[];
      enabled?: boolean;
      rateLimitPerSecond?: number | null;
      deleted?: boolean;
    },
  ): Promise<EndpointRow> {
    const filter = new SqlFilter();
    const sets = ['"updated_at" = now()'];
    if (change.url !== undefined) sets.push(`"url" = ${filter.param(change.url)}`);
    if (change.description !== undefined) sets.push(`"description" = ${filter.param(change.description)}`);
    if (change.eventTypes !== undefined) sets.push(`"event_types" = ${filter.param(change.eventTypes)}::text[]`);
    if (change.rateLimitPerSecond !== undefined) sets.push(`"rate_limit_per_second" = ${filter.param(change.rateLimitPerSecond)}::int`);
    if (change.enabled !== undefined) {
      sets.push(`"enabled" = ${filter.param(change.enabled)}`);
      if (change.enabled) sets.push('"failing_since" = NULL', '"disabled_reason" = NULL', '"disabled_at" = NULL');
    }
    if (change.deleted) sets.push('"deleted_at" = now()', '"enabled" = false');
    filter.where('"id" = ?', id);
    const [rows] = (await manager.query(
      `UPDATE ${this.endpoints} SET ${sets.join(', ')} WHERE ${filter.sql} RETURNING *`,
      filter.params,
    )) as [EndpointRow[], number];
    return rows[0] as EndpointRow;
  }

  async addSecret(manager: EntityManager, row: { id: string; endpointId: string; secret: string }): Promise<void> {
    await manager.query(`INSERT INTO ${this.secrets} ("id", "endpoint_id", "secret") VALUES ($1, $2, $3)`, [
      row.id,
      row.endpointId,
      row.secret,
    ]);
  }

  /** Every secret of the endpoint still valid without an end gets one: `at`. */
  async expireSecrets(manager: EntityManager, endpointId: string, at: Date): Promise<void> {
    await manager.query(
      `UPDATE ${this.secrets} SET "expires_at" = $2 WHERE "endpoint_id" = $1 AND ("expires_at" IS NULL OR "expires_at" > $2)`,
      [endpointId, at],
    );
  }

  /** The endpoints' secrets valid now (ids and times only), newest first. */
  async activeSecrets(endpointIds: readonly string[], manager?: EntityManager): Promise<Map<string, SecretRow[]>> {
    const rows = (await (manager ?? this.dataSource).query(
      `SELECT "id", "endpoint_id", "created_at", "expires_at" FROM ${this.secrets}
       WHERE "endpoint_id" = ANY($1::uuid[]) AND ("expires_at" IS NULL OR "expires_at" > now()) ORDER BY "created_at" DESC, "id" DESC`,
      [endpointIds],
    )) as Array<SecretRow & { endpoint_id: string }>;
    const byEndpoint = new Map<string, SecretRow[]>();
    for (const { endpoint_id, ...secret } of rows) byEndpoint.set(endpoint_id, [...(byEndpoint.get(endpoint_id) ?? []), secret]);
    return byEndpoint;
  }

  /** The endpoint with the secret values valid now, newest first; undefined when deleted. */
  async delivering(endpointId: string): Promise<DeliveringEndpoint | undefined> {
    const [row] = (await this.dataSource.query(
      `SELECT e.*, coalesce((SELECT array_agg(s."secret" ORDER BY s."created_at" DESC, s."id" DESC) FROM ${this.secrets} s
         WHERE s."endpoint_id" = e."id" AND (s."expires_at" IS NULL OR s."expires_at" > now())), '{}') AS "secrets"
       FROM ${this.endpoints} e WHERE e."id" = $1 AND e."deleted_at" IS NULL`,
      [endpointId],
    )) as DeliveringEndpoint[];
    return row;
  }

  /**
   * Adds deliveries with one statement; one already made for the same endpoint and message is kept
   * as it is. Only to endpoints enabled at that moment: their rows are share-locked until the
   * transaction ends, so an endpoint disabled meanwhile either waits for these rows (and fails them
   * with its other pending ones) or has been disabled before, and gets none.
   */
  async insertDeliveries(manager: EntityManager, deliveries: readonly NewDelivery[]): Promise<number> {
    if (deliveries.length === 0) return 0;
    const [, inserted] = (await manager.query(
      `INSERT INTO ${this.deliveries} ("id", "workspace_id", "endpoint_id", "message_id", "event_type", "body", "target_url", "status", "next_attempt_at", "last_error", "completed_at")
       SELECT d."id", d."workspace_id", d."endpoint_id", d."message_id", d."event_type", d."body", d."target_url",
         CASE WHEN d."failed_with" IS NULL THEN 'pending' ELSE 'failed' END,
         CASE WHEN d."failed_with" IS NULL THEN now() END, d."failed_with", CASE WHEN d."failed_with" IS NOT NULL THEN now() END
       FROM unnest($1::uuid[], $2::text[], $3::uuid[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[])
         AS d("id", "workspace_id", "endpoint_id", "message_id", "event_type", "body", "failed_with", "target_url")
       JOIN ${this.endpoints} e ON e."id" = d."endpoint_id" AND e."enabled" AND e."deleted_at" IS NULL
       FOR SHARE OF e
       ON CONFLICT ("endpoint_id", "message_id") DO NOTHING RETURNING "id"`,
      [
        deliveries.map((d) => d.id),
        deliveries.map((d) => d.workspaceId),
        deliveries.map((d) => d.endpointId),
        deliveries.map((d) => d.messageId),
        deliveries.map((d) => d.eventType),
        deliveries.map((d) => d.body),
        deliveries.map((d) => d.failedWith ?? null),
        deliveries.map((d) => d.targetUrl ?? null),
      ],
    )) as [unknown[], number];
    return inserted;
  }

  /**
   * Claims due deliveries of enabled endpoints for `leaseMs`, counting the attempt, oldest first,
   * at most `perEndpoint` in flight per endpoint (its rows still leased count, whichever replica
   * holds them), in one statement. Each endpoint is read through its own index range, so one
   * endpoint's backlog neither slows the claim nor fills it. A row another runner claimed meanwhile
   * fails the re-check and is skipped.
   */
  async claimDue(limit: number, perEndpoint: number, leaseMs: number): Promise<ClaimedDelivery[]> {
    const [rows] = (await this.dataSource.query(
      `WITH "picked" AS (
         SELECT due."id" FROM ${this.endpoints} e
         CROSS JOIN LATERAL (
           SELECT count(*)::int AS "n" FROM ${this.deliveries} b
           WHERE b."endpoint_id" = e."id" AND b."status" = 'pending' AND b."claimed_until" >= now()
         ) busy
         CROSS JOIN LATERAL (
           SELECT d."id", d."next_attempt_at" FROM ${this.deliveries} d
           WHERE d."endpoint_id" = e."id" AND d."status" = 'pending' AND d."next_attempt_at" <= now()
             AND (d."claimed_until" IS NULL OR d."claimed_until" < now())
           ORDER BY d."next_attempt_at", d."id" LIMIT greatest($2::int - busy."n", 0)
         ) due
         WHERE e."enabled" AND e."deleted_at" IS NULL
         ORDER BY due."next_attempt_at", due."id" LIMIT $1
       )
       UPDATE ${this.deliveries} d SET "claimed_until" = now() + make_interval(secs => $3::float8 / 1000),
         "attempts" = d."attempts" + 1, "total_attempts" = d."total_attempts" + 1
       FROM "picked" p WHERE d."id" = p."id" AND d."status" = 'pending' AND (d."claimed_until" IS NULL OR d."claimed_until" < now())
       RETURNING d."id", d."workspace_id", d."endpoint_id", d."message_id", d."event_type", d."body", d."target_url", d."attempts", d."total_attempts"`,
      [limit, perEndpoint, leaseMs],
    )) as [ClaimedDelivery[], number];
    return rows;
  }

  /**
   * Reserves the next attempt slot of a rate-limited endpoint, shared by every replica: answers how
   * many milliseconds from now the slot starts (0 or less: at once), or undefined when the endpoint
   * has no rate limit (any more).
   */
  async reserveRateSlot(endpointId: string): Promise<number | undefined> {
    const [rows] = (await this.dataSource.query(
      `UPDATE ${this.endpoints}
       SET "rate_slot_at" = greatest("rate_slot_at", clock_timestamp()) + make_interval(secs => 1.0 / "rate_limit_per_second")
       WHERE "id" = $1 AND "rate_limit_per_second" IS NOT NULL
       RETURNING extract(epoch FROM "rate_slot_at" - clock_timestamp()) * 1000 - 1000.0 / "rate_limit_per_second" AS "wait_ms"`,
      [endpointId],
    )) as [Array<{ wait_ms: string | number }>, number];
    const row = rows[0];
    return row ? Number(row.wait_ms) : undefined;
  }

  /** Keeps the click ids of leads whose source has a postback (a lead already kept is left as it is). */
  async rememberClicks(
    manager: EntityManager,
    rows: ReadonlyArray<{ workspaceId: string; leadId: string; clickId: string }>,
  ): Promise<void> {
    if (rows.length === 0) return;
    await manager.query(
      `INSERT INTO ${this.clicks} ("workspace_id", "lead_id", "click_id")
       SELECT * FROM unnest($1::text[], $2::text[], $3::text[]) ON CONFLICT DO NOTHING`,
      [rows.map((r) => r.workspaceId), rows.map((r) => r.leadId), rows.map((r) => r.clickId)],
    );
  }

  /** The click ids kept for these leads, by `<workspace> <lead id>`. */
  async clickIds(manager: EntityManager, leads: ReadonlyArray<{ workspaceId: string; leadId: string }>): Promise<Map<string, string>> {
    if (leads.length === 0) return new Map();
    const rows = (await manager.query(
      `SELECT c."workspace_id", c."lead_id", c."click_id" FROM ${this.clicks} c
       JOIN unnest($1::text[], $2::text[]) AS l("workspace_id", "lead_id") ON l."workspace_id" = c."workspace_id" AND l."lead_id" = c."lead_id"`,
      [leads.map((l) => l.workspaceId), leads.map((l) => l.leadId)],
    )) as Array<{ workspace_id: string; lead_id: string; click_id: string }>;
    return new Map(rows.map((row) => [`${row.workspace_id} ${row.lead_id}`, row.click_id]));
  }

  /** An erasure forgets the click ids of the person's leads; answers how many. */
  async forgetClicks(manager: EntityManager, workspaceId: string, leadIds: readonly string[]): Promise<number> {
    if (leadIds.length === 0) return 0;
    const [, deleted] = (await manager.query(`DELETE FROM ${this.clicks} WHERE "workspace_id" = $1 AND "lead_id" = ANY($2::text[])`, [
      workspaceId,
      leadIds,
    ])) as [unknown, number];
    return deleted;
  }

  /**
   * An erasure's part in the deliveries: every delivery of the workspace whose body names one of
   * `ids` (the contact, those merged into it, its leads) keeps its type and its log, but its body
   * becomes `{"type","redacted"}`; one not yet delivered is failed instead of sent. Answers how
   * many were redacted (a redacted body names no one, so a second erasure event finds nothing).
   * Bodies are read as text (the ids are UUIDs), over the workspace's deliveries: an erasure is rare.
   */
  async redactDeliveries(manager: EntityManager, workspaceId: string, ids: readonly string[], marker: string): Promise<number> {
    if (ids.length === 0) return 0;
    const [, redacted] = (await manager.query(
      `UPDATE ${this.deliveries} SET
         "body" = jsonb_build_object('type', "event_type", 'redacted', $3::text)::text,
         "status" = CASE WHEN "status" = 'pending' THEN 'failed' ELSE "status" END,
         "last_error" = CASE WHEN "status" = 'pending' THEN 'the contact was erased before delivery' ELSE "last_error" END,
         "completed_at" = coalesce("completed_at", now()), "next_attempt_at" = NULL, "claimed_until" = NULL
       WHERE "workspace_id" = $1 AND "body" LIKE ANY($2::text[])`,
      [workspaceId, ids.map((id) => `%${id.toLowerCase()}%`), marker],
    )) as [unknown, number];
    return redacted;
  }

  /**
   * Hands claimed deliveries that were never attempted back: no lease, and the attempt their claim
   * counted taken back (fenced by it), so any runner may claim them at once.
   */
  async release(deliveries: ReadonlyArray<{ id: string; attempts: number }>): Promise<void> {
    await this.dataSource.query(
      `UPDATE ${this.deliveries} d SET "claimed_until" = NULL, "attempts" = d."attempts" - 1, "total_attempts" = d."total_attempts" - 1
       FROM unnest($1::uuid[], $2::int[]) AS r("id", "attempts")
       WHERE d."id" = r."id" AND d."attempts" = r."attempts" AND d."status" = 'pending'`,
      [deliveries.map((d) => d.id), deliveries.map((d) => d.attempts)],
    );
  }

  async recordAttempt(manager: EntityManager, attempt: AttemptRecord): Promise<void> {
    await manager.query(
      `INSERT INTO ${this.attempts} ("delivery_id", "number", "status_code", "response_snippet", "latency_ms", "error", "succeeded")
       VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT DO NOTHING`,
      [
        attempt.deliveryId,
        attempt.number,
        attempt.statusCode,
        attempt.responseSnippet,
        attempt.latencyMs,
        attempt.error,
        attempt.succeeded,
      ],
    );
  }

  /**
   * Settles the attempt `attempts` of a delivery (fenced by it): succeeded, failed for good, or due
   * again in `retryInMs`. Answers false when another runner settled or took it since.
   */
  async settle(
    manager: EntityManager,
    delivery: { id: string; attempts: number },
    outcome: { status: 'succeeded' | 'failed' | 'pending'; retryInMs?: number; error: string | null },
  ): Promise<boolean> {
    const [, updated] = (await manager.query(
      `UPDATE ${this.deliveries} SET "status" = $3, "claimed_until" = NULL, "last_error" = $4,
         "next_attempt_at" = CASE WHEN $3 = 'pending' THEN now() + make_interval(secs => $5::float8 / 1000) END,
         "completed_at" = CASE WHEN $3 = 'pending' THEN NULL ELSE now() END
       WHERE "id" = $1 AND "attempts" = $2 AND "status" = 'pending'`,
      [delivery.id, delivery.attempts, outcome.status, outcome.error, outcome.retryInMs ?? 0],
    )) as [unknown, number];
    return updated > 0;
  }

  /**
   * Records a successful attempt, settles its delivery (fenced by the attempt number) and ends the
   * endpoint's failing streak, in one statement.
   */
  /**
   * Settles successful attempts in one statement: records each attempt, marks its delivery
   * succeeded (fenced by its attempt number) and ends the failing streak of their endpoints.
   */
  async settleSucceeded(
    settled: ReadonlyArray<{ attempt: AttemptRecord; delivery: { attempts: number; endpoint_id: string } }>,
  ): Promise<void> {
    // In id order, so that two batches settling at once take their row locks in the same order.
    const rows = [...settled].sort((a, b) => (a.attempt.deliveryId < b.attempt.deliveryId ? -1 : 1));
    await this.dataSource.query(
      `WITH "settled" AS (
         SELECT * FROM unnest($1::uuid[], $2::int[], $3::int[], $4::text[], $5::int[], $6::int[])
           AS t("delivery_id", "number", "status_code", "response_snippet", "latency_ms", "attempts")
       ), "attempt" AS (
         INSERT INTO ${this.attempts} ("delivery_id", "number", "status_code", "response_snippet", "latency_ms", "error", "succeeded")
         SELECT "delivery_id", "number", "status_code", "response_snippet", "latency_ms", NULL, true FROM "settled"
         ON CONFLICT DO NOTHING
       ), "delivery" AS (
         UPDATE ${this.deliveries} d SET "status" = 'succeeded', "claimed_until" = NULL, "last_error" = NULL, "next_attempt_at" = NULL, "completed_at" = now()
         FROM "settled" s WHERE d."id" = s."delivery_id" AND d."attempts" = s."attempts" AND d."status" = 'pending'
       )
       UPDATE ${this.endpoints} SET "failing_since" = NULL WHERE "id" = ANY($7::uuid[]) AND "failing_since" IS NOT NULL`,
      [
        rows.map((r) => r.attempt.deliveryId),
        rows.map((r) => r.attempt.number),
        rows.map((r) => r.attempt.statusCode),
        rows.map((r) => r.attempt.responseSnippet),
        rows.map((r) => r.attempt.latencyMs),
        rows.map((r) => r.delivery.attempts),
        [...new Set(rows.map((r) => r.delivery.endpoint_id))].sort(),
      ],
    );
  }

  /**
   * Records failed attempts, settles their deliveries (each due again in its `retryInMs`, or
   * failed; fenced by its attempt number) and starts the failing streak of their endpoints that
   * have none, in one statement. Answers, per enabled endpoint, since when it fails. The endpoint
   * row is written once per streak, not once per failed attempt.
   */
  async settleFailed(
    settled: ReadonlyArray<{
      attempt: AttemptRecord;
      delivery: { attempts: number; endpoint_id: string };
      outcome: { status: 'failed' | 'pending'; retryInMs?: number };
    }>,
  ): Promise<Map<string, { failingSince: Date; now: Date }>> {
    // In id order, so that two batches settling at once take their row locks in the same order.
    const rows = [...settled].sort((a, b) => (a.attempt.deliveryId < b.attempt.deliveryId ? -1 : 1));
    const endpointIds = [...new Set(rows.map((r) => r.delivery.endpoint_id))].sort();
    const failing = (await this.dataSource.query(
      `WITH "settled" AS (
         SELECT * FROM unnest($1::uuid[], $2::int[], $3::int[], $4::text[], $5::int[], $6::text[], $7::int[], $8::text[], $9::float8[])
           AS t("delivery_id", "number", "status_code", "response_snippet", "latency_ms", "error", "attempts", "status", "retry_in_ms")
       ), "attempt" AS (
         INSERT INTO ${this.attempts} ("delivery_id", "number", "status_code", "response_snippet", "latency_ms", "error", "succeeded")
         SELECT "delivery_id", "number", "status_code", "response_snippet", "latency_ms", "error", false FROM "settled"
         ON CONFLICT DO NOTHING
       ), "delivery" AS (
         UPDATE ${this.deliveries} d SET "status" = s."status", "claimed_until" = NULL, "last_error" = s."error",
           "next_attempt_at" = CASE WHEN s."status" = 'pending' THEN now() + make_interval(secs => s."retry_in_ms" / 1000) END,
           "completed_at" = CASE WHEN s."status" = 'pending' THEN NULL ELSE now() END
         FROM "settled" s WHERE d."id" = s."delivery_id" AND d."attempts" = s."attempts" AND d."status" = 'pending'
       ), "started" AS (
         UPDATE ${this.endpoints} SET "failing_since" = now()
         WHERE "id" = ANY($10::uuid[]) AND "enabled" AND "failing_since" IS NULL RETURNING "id", "failing_since"
       )
       SELECT e."id", coalesce(st."failing_since", e."failing_since") AS "failing_since", now() AS "now"
       FROM ${this.endpoints} e LEFT JOIN "started" st ON st."id" = e."id"
       WHERE e."id" = ANY($10::uuid[]) AND e."enabled"`,
      [
        rows.map((r) => r.attempt.deliveryId),
        rows.map((r) => r.attempt.number),
        rows.map((r) => r.attempt.statusCode),
        rows.map((r) => r.attempt.responseSnippet),
        rows.map((r) => r.attempt.latencyMs),
        rows.map((r) => r.attempt.error),
        rows.map((r) => r.delivery.attempts),
        rows.map((r) => r.outcome.status),
        rows.map((r) => r.outcome.retryInMs ?? 0),
        endpointIds,
      ],
    )) as Array<{ id: string; failing_since: Date | null; now: Date }>;
    // A streak another settlement started at the same moment is not visible to this statement yet: that one answers for it.
    return new Map(
      failing.flatMap((row) => (row.failing_since === null ? [] : [[row.id, { failingSince: row.failing_since, now: row.now }] as const])),
    );
  }

  /**
   * Disables an enabled endpoint and fails its pending deliveries; answers the endpoint when this
   * call disabled it (so one event is emitted), undefined when it was disabled already.
   */
  async disable(manager: EntityManager, endpointId: string, reason: string): Promise<EndpointRow | undefined> {
    const [rows] = (await manager.query(
      `UPDATE ${this.endpoints} SET "enabled" = false, "disabled_reason" = $2, "disabled_at" = now(), "updated_at" = now()
       WHERE "id" = $1 AND "enabled" RETURNING *`,
      [endpointId, reason],
    )) as [EndpointRow[], number];
    const row = rows[0];
    if (!row) return undefined;
    await manager.query(
      `UPDATE ${this.deliveries} SET "status" = 'failed', "completed_at" = now(), "claimed_until" = NULL, "next_attempt_at" = NULL,
         "last_error" = coalesce("last_error", 'the endpoint was disabled')
       WHERE "endpoint_id" = $1 AND "status" = 'pending'`,
      [endpointId],
    );
    return row;
  }

  async listDeliveries(endpointId: string, limit: number, afterId: string | undefined, status?: string): Promise<Page<DeliveryRow>> {
    const filter = new SqlFilter().where('"endpoint_id" = ?', endpointId);
    if (status) filter.where('"status" = ?', status);
    return selectPage(
      this.dataSource,
      {
        select: `"id", "endpoint_id", "message_id", "event_type", "status", "attempts", "total_attempts", "next_attempt_at", "last_error", "created_at", "completed_at"`,
        from: this.deliveries,
        filter,
        idColumn: '"id"',
        afterId,
        limit,
      },
      (row: DeliveryRow) => row,
    );
  }

  async attemptsOf(deliveryIds: readonly string[]): Promise<Map<string, AttemptRow[]>> {
    const rows = (await this.dataSource.query(
      `SELECT * FROM ${this.attempts} WHERE "delivery_id" = ANY($1::uuid[]) ORDER BY "delivery_id", "number"`,
      [deliveryIds],
    )) as AttemptRow[];
    const byDelivery = new Map<string, AttemptRow[]>();
    for (const row of rows) byDelivery.set(row.delivery_id, [...(byDelivery.get(row.delivery_id) ?? []), row]);
    return byDelivery;
  }

  async findDelivery(endpointId: string, deliveryId: string): Promise<DeliveryRow | undefined> {
    const [row] = (await this.dataSource.query(
      `SELECT "id", "endpoint_id", "message_id", "event_type", "status", "attempts", "total_attempts", "next_attempt_at", "last_error", "created_at", "completed_at"
       FROM ${this.deliveries} WHERE "endpoint_id" = $1 AND "id" = $2`,
      [endpointId, deliveryId],
    )) as DeliveryRow[];
    return row;
  }

  /** Starts a new round of attempts for finished deliveries of the endpoint; answers how many. */
  async requeue(
    manager: EntityManager,
    endpointId: string,
    which: { deliveryId: string } | { failedFrom: Date; failedUntil: Date },
  ): Promise<number> {
    const filter = new SqlFilter().where('"endpoint_id" = ?', endpointId);
    if ('deliveryId' in which) filter.where('"id" = ?', which.deliveryId).where(`"status" <> 'pending'`);
    else filter.where(`"status" = 'failed'`).where('"created_at" >= ?', which.failedFrom).where('"created_at" < ?', which.failedUntil);
    const [, updated] = (await manager.query(
      `UPDATE ${this.deliveries} SET "status" = 'pending', "attempts" = 0, "next_attempt_at" = now(), "claimed_until" = NULL, "completed_at" = NULL
       WHERE ${filter.sql}`,
      filter.params,
    )) as [unknown, number];
    return updated;
  }

  /** Attempts of the endpoint since `since`: how many, how many succeeded, and the last success and failure ever. */
  async health(
    endpointId: string,
    since: Date,
  ): Promise<{ attempts: number; succeeded: number; last_success: Date | null; last_failure: Date | null; pending: number }> {
    const [row] = (await this.dataSource.query(
      `SELECT
         (SELECT count(*)::int FROM ${this.attempts} a JOIN ${this.deliveries} d ON d."id" = a."delivery_id"
           WHERE d."endpoint_id" = $1 AND a."attempted_at" >= $2) AS "attempts",
         (SELECT count(*)::int FROM ${this.attempts} a JOIN ${this.deliveries} d ON d."id" = a."delivery_id"
           WHERE d."endpoint_id" = $1 AND a."attempted_at" >= $2 AND a."succeeded") AS "succeeded",
         (SELECT max(a."attempted_at") FROM ${this.attempts} a JOIN ${this.deliveries} d ON d."id" = a."delivery_id"
           WHERE d."endpoint_id" = $1 AND a."succeeded") AS "last_success",
         (SELECT max(a."attempted_at") FROM ${this.attempts} a JOIN ${this.deliveries} d ON d."id" = a."delivery_id"
           WHERE d."endpoint_id" = $1 AND NOT a."succeeded") AS "last_failure",
         (SELECT count(*)::int FROM ${this.deliveries} WHERE "endpoint_id" = $1 AND "status" = 'pending') AS "pending"`,
      [endpointId, since],
    )) as Array<{ attempts: number; succeeded: number; last_success: Date | null; last_failure: Date | null; pending: number }>;
    return row ?? { attempts: 0, succeeded: 0, last_success: null, last_failure: null, pending: 0 };
  }
}
