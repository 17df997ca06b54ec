import {
  AppException,
  type BatchItemResult,
  ErrorCodes,
  type EventEnvelope,
  EventTypes,
  type IngestLeadGroupResult,
  type IntakeRequestMeta,
  type LeadIngestedData,
  MAX_BATCH_LEADS,
  MAX_IDEMPOTENCY_KEY_LENGTH,
  MAX_REJECTED_BODY_BYTES,
  type NormalizedLead,
  type RpcErrorBody,
} from '@leadflow/contracts';
import { qualifiedTable } from '@leadflow/database';
import { APP_LOGGER, currentRequestId, newRequestId, runWithRequestId } from '@leadflow/logging';
import { decodeBody, Outbox } from '@leadflow/messaging';
import { fingerprint, intakeMediaType, normalizeLead, parseLeadBody } from '@leadflow/normalization';
import { isDependencyOutage } from '@leadflow/runtime';
import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { Logger as PinoLogger } from 'pino';
import type { DataSource } from 'typeorm';
import { v7 as uuidv7 } from 'uuid';
import type { IngestBatchDto, IngestLeadDto } from './dto/intake-request.dto';

type Payload = Record<string, unknown>;

class InvalidPayloadException extends AppException {
  constructor(message: string) {
    super(ErrorCodes.invalidPayload, message, 400);
  }
}

class IdempotencyKeyReusedException extends AppException {
  constructor() {
    super(ErrorCodes.idempotencyKeyReused, 'This Idempotency-Key was already used with a different body', 422);
  }
}

/** A lead ready to store: its request, its bytes as received and the object they hold. */
interface ParsedLead {
  meta: IntakeRequestMeta;
  requestId: string | null;
  idempotencyKey: string | null;
  bytes: Buffer;
  payload: Payload;
  fingerprint: string;
}

interface StoredRaw {
  id: string;
  workspace_id: string;
  source: string;
  idempotency_key: string;
  fingerprint: string;
  received_at: Date;
}

/**
 * Inserts raw rows and, for those that are new, their normalized leads and `lead.ingested` events:
 * one statement, so one transaction, for a group.
 */
function insertLeadsSql(raw: string, leads: string, outbox: string): string {
  return `
    WITH "input" AS (
      SELECT * FROM jsonb_to_recordset($1::jsonb) AS i("ord" int, "id" uuid, "workspace_id" text, "source" text,
        "idempotency_key" text, "fingerprint" text, "content_type" text, "headers" jsonb, "remote_address" text, "body" text,
        "received_at" timestamptz, "request_id" text, "first_name" text, "last_name" text, "email" text, "email_valid" boolean,
        "phone" text, "phone_valid" boolean, "country" text, "language" text, "ip" text, "offer" text, "click_id" text,
        "creo" text, "description" text, "domain" text, "marker" text, "sourcetype" text, "extra" jsonb, "issues" jsonb,
        "payload" jsonb, "event_id" uuid, "event_type" text, "event" jsonb)
    ),
    "raw" AS (
      INSERT INTO ${raw} ("id", "workspace_id", "source", "idempotency_key", "fingerprint", "content_type", "headers",
        "remote_address", "body", "received_at", "request_id")
      SELECT "id", "workspace_id", "source", "idempotency_key", "fingerprint", "content_type", "headers", "remote_address",
        decode("body", 'base64'), "received_at", "request_id"
      FROM "input" ORDER BY "ord"
      ON CONFLICT ON CONSTRAINT "raw_leads_idempotency_key" DO NOTHING
      RETURNING "id"
    ),
    "lead" AS (
      INSERT INTO ${leads} ("id", "workspace_id", "source", "received_at", "first_name", "last_name", "email", "email_valid",
        "phone", "phone_valid", "country", "language", "ip", "offer", "click_id", "creo", "description", "domain", "marker",
        "sourcetype", "extra", "issues", "payload")
      SELECT i."id", i."workspace_id", i."source", i."received_at", i."first_name", i."last_name", i."email", i."email_valid",
        i."phone", i."phone_valid", i."country", i."language", i."ip", i."offer", i."click_id", i."creo", i."description",
        i."domain", i."marker", i."sourcetype", i."extra", i."issues", i."payload"
      FROM "input" i JOIN "raw" r ON r."id" = i."id" ORDER BY i."ord"
    ),
    "event" AS (
      INSERT INTO ${outbox} ("id", "type", "envelope")
      SELECT i."event_id", i."event_type", i."event" FROM "input" i JOIN "raw" r ON r."id" = i."id" ORDER BY i."ord"
    )
    SELECT "id" FROM "raw"`;
}

/**
 * Raw-first intake: a lead is acknowledged only once its raw bytes, its normalized form and its
 * `lead.ingested` event are committed together. One key per (workspace, source) is one lead,
 * however often and however concurrently it is sent.
 *
 * Leads arriving together are stored together: a group (single-lead requests gathered by the
 * gateway, or a batch request) is one statement, and a second one only for keys already used. Each item still gets its own
 * answer; should the group's transaction fail, every item is stored on its own, so one bad item
 * fails only itself.
 */
@Injectable()
export class LeadIntakeService {
  private readonly insertSql: string;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly outbox: Outbox,
    @Inject(APP_LOGGER) private readonly logger: PinoLogger,
  ) {
    this.insertSql = insertLeadsSql(
      qualifiedTable(dataSource, 'raw_leads'),
      qualifiedTable(dataSource, 'leads'),
      qualifiedTable(dataSource, 'outbox'),
    );
  }

  /** Stores single-lead requests together; one result per item, in order. */
  async ingestGroup(items: ReadonlyArray<IngestLeadDto & { requestId: string | null }>): Promise<IngestLeadGroupResult[]> {
    const results: Array<IngestLeadGroupResult | undefined> = new Array(items.length);
    const parsed: Array<{ index: number; lead: ParsedLead }> = [];
    for (const [index, item] of items.entries()) {
      try {
        parsed.push({ index, lead: await this.parse(item) });
      } catch (error) {
        results[index] = { ok: false, error: itemError(error) };
      }
    }
    const stored = await this.storeGroup(parsed.map((p) => p.lead));
    parsed.forEach((p, i) => (results[p.index] = stored[i]));
    return results.map(
      (result) => result ?? { ok: false, error: { code: ErrorCodes.internalError, message: 'Internal error', status: 500 } },
    );
  }

  /** Stores every valid item of a batch in one transaction; one result per item, in order. */
  async ingestBatch(request: IngestBatchDto): Promise<BatchItemResult[]> {
    const bytes = this.decode(request);
    if (intakeMediaType(request.contentType) !== 'json') {
      throw new AppException(ErrorCodes.unsupportedMediaType, 'A batch is a JSON body', 415);
    }
    const parsed = parseLeadBody('json', bytes);
    const items = parsed.ok ? parsed.payload.leads : undefined;
    if (!parsed.ok || !Array.isArray(items) || items.length === 0) {
      const reason = parsed.ok ? 'expected {"leads": [ {"idempotencyKey"?, "lead": {...}}, ... ]} with at least one item' : parsed.reason;
      await this.reject(request, bytes, reason);
      throw new InvalidPayloadException(`The body is not a batch of leads: ${reason}`);
    }
    if (items.length > MAX_BATCH_LEADS) {
      throw new AppException(ErrorCodes.batchTooLarge, `A batch holds at most ${MAX_BATCH_LEADS} leads; this one has ${items.length}`, 400);
    }
    const requestId = currentRequestId() ?? null;
    const valid: Array<{ index: number; lead: ParsedLead }> = [];
    const results: BatchItemResult[] = new Array(items.length);
    for (const [index, item] of items.entries()) {
      const problem = batchItemProblem(item);
      if (problem) {
        results[index] = { index, status: 400, error: { code: ErrorCodes.invalidPayload, message: problem } };
        continue;
      }
      const { lead, idempotencyKey } = item as { lead: Payload; idempotencyKey?: string };
      valid.push({
        index,
        lead: {
          meta: request,
          requestId,
          idempotencyKey: idempotencyKey ?? null,
          bytes: Buffer.from(JSON.stringify(lead), 'utf8'),
          payload: lead,
          fingerprint: fingerprint(lead),
        },
      });
    }
    const stored = await this.storeGroup(valid.map((v) => v.lead));
    valid.forEach(({ index }, i) => {
      const result = stored[i];
      if (result?.ok) {
        const { leadId, receivedAt, deduplicated } = result.reply;
        results[index] = { index, status: 201, id: leadId, receivedAt, replayed: deduplicated };
      } else if (result?.error.status === 422) {
        results[index] = { index, status: 422, error: { code: result.error.code, message: result.error.message } };
      } else {
        // Not a per-item outcome: the batch as a whole failed, as a single lead would have.
        throw new AppException(
          result?.error.code ?? ErrorCodes.internalError,
          result?.error.message ?? 'Internal error',
          result?.error.status ?? 500,
        );
      }
    });
    return results;
  }

  private decode(request: IntakeRequestMeta & { body: IngestLeadDto['body'] }): Buffer {
    try {
      return decodeBody(request.body);
    } catch {
      throw new InvalidPayloadException('The body could not be decoded');
    }
  }

  /** Decodes and parses one request; a body that is not a lead is kept as rejected and refused. */
  private async parse(request: IngestLeadDto & { requestId: string | null }): Promise<ParsedLead> {
    const bytes = this.decode(request);
    const mediaType = intakeMediaType(request.contentType);
    if (!mediaType) throw new AppException(ErrorCodes.unsupportedMediaType, 'Send JSON or form-encoded bodies', 415);
    const parsed = parseLeadBody(mediaType, bytes);
    if (!parsed.ok) {
      await runWithRequestId(request.requestId ?? newRequestId(), () => this.reject(request, bytes, parsed.reason));
      throw new InvalidPayloadException(`The body is not a lead: ${parsed.reason}`);
    }
    const { body: _body, requestId, idempotencyKey, ...meta } = request;
    return { meta, requestId, idempotencyKey: idempotencyKey ?? null, bytes, payload: parsed.payload, fingerprint: parsed.fingerprint };
  }

  /** One transaction for the group; when it fails, each lead on its own. */
  private async storeGroup(leads: ParsedLead[]): Promise<IngestLeadGroupResult[]> {
    if (leads.length === 0) return [];
    try {
      return await this.storeTogether(leads);
    } catch (error) {
      if (leads.length === 1 || isDependencyOutage(error)) throw error;
      this.logger.warn({ err: error, leads: leads.length }, 'a group of leads could not be stored together; storing each on its own');
      const results: IngestLeadGroupResult[] = [];
      for (const lead of leads) {
        try {
          results.push(...(await this.storeTogether([lead])));
        } catch (itemFailure) {
          if (isDependencyOutage(itemFailure)) throw itemFailure;
          results.push({ ok: false, error: itemError(itemFailure) });
        }
      }
      return results;
    }
  }

  private async storeTogether(leads: ParsedLead[]): Promise<IngestLeadGroupResult[]> {
    const rows = leads.map((lead) => ({ id: uuidv7(), lead, normalized: normalizeLead(lead.payload) }));
    const events = this.outbox.envelopes<LeadIngestedData>(
      rows.map(({ id, lead, normalized }) => ({
        type: EventTypes.leadIngested,
        workspaceId: lead.meta.workspaceId,
        correlationId: lead.requestId ?? undefined,
        data: {
          leadId: id,
          source: lead.meta.source,
          receivedAt: new Date(lead.meta.receivedAt).toISOString(),
          email: normalized.email,
          emailValid: normalized.emailValid,
          phone: normalized.phone,
          phoneValid: normalized.phoneValid,
          country: normalized.country,
          offer: normalized.offer,
          firstName: normalized.firstName,
          lastName: normalized.lastName,
        },
      })),
    );
    const inserted = (await this.dataSource.query(this.insertSql, [
      JSON.stringify(rows.map(({ id, lead, normalized }, ord) => leadRecord(ord, id, lead, normalized, events[ord]))),
    ])) as Array<{ id: string }>;
    if (inserted.length > 0) this.outbox.written();
    const isNew = new Set(inserted.map((row) => row.id));
    // A key committed before (a concurrent insert waits for it and then conflicts): same body or not?
    const earlier = await this.storedUnderKeys(rows.filter((row) => !isNew.has(row.id)).map((row) => row.lead));
    return rows.map(({ id, lead }): IngestLeadGroupResult => {
      if (isNew.has(id))
        return { ok: true, reply: { leadId: id, receivedAt: new Date(lead.meta.receivedAt).toISOString(), deduplicated: false } };
      const existing = earlier.get(keyOf(lead.meta.workspaceId, lead.meta.source, lead.idempotencyKey));
      if (!existing) throw new Error('idempotency key conflict without a stored row');
      if (existing.fingerprint !== lead.fingerprint) return { ok: false, error: new IdempotencyKeyReusedException().toBody() };
      return { ok: true, reply: { leadId: existing.id, receivedAt: existing.received_at.toISOString(), deduplicated: true } };
    });
  }

  /** The rows already stored under the keys of these leads, by key. */
  private async storedUnderKeys(leads: ParsedLead[]): Promise<Map<string, StoredRaw>> {
    if (leads.length === 0) return new Map();
    const rows = (await this.dataSource.query(
      `SELECT r."id", r."workspace_id", r."source", r."idempotency_key", r."fingerprint", r."received_at"
       FROM ${qualifiedTable(this.dataSource, 'raw_leads')} r
       JOIN unnest($1::text[], $2::text[], $3::text[]) AS k("workspace_id", "source", "idempotency_key")
         ON r."workspace_id" = k."workspace_id" AND r."source" = k."source" AND r."idempotency_key" = k."idempotency_key"`,
      [leads.map((l) => l.meta.workspaceId), leads.map((l) => l.meta.source), leads.map((l) => l.idempotencyKey)],
    )) as StoredRaw[];
    return new Map(rows.map((row) => [keyOf(row.workspace_id, row.source, row.idempotency_key), row]));
  }

  /** Keeps a refused body (capped) and the reason, for audit. */
  private async reject(meta: IntakeRequestMeta, bytes: Buffer, reason: string): Promise<void> {
    const kept = bytes.subarray(0, MAX_REJECTED_BODY_BYTES);
    await this.dataSource.query(
      `INSERT INTO ${qualifiedTable(this.dataSource, 'rejected_requests')} ("id", "workspace_id", "source", "reason", "content_type",
         "headers", "remote_address", "body", "body_bytes", "truncated", "received_at", "request_id")
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`,
      [
        uuidv7(),
        meta.workspaceId,
        meta.source,
        reason.slice(0, 1000),
        meta.contentType,
        meta.headers,
        meta.remoteAddress,
        kept,
        bytes.length,
        kept.length < bytes.length,
        meta.receivedAt,
        currentRequestId() ?? null,
      ],
    );
  }
}

function keyOf(workspaceId: string, source: string, idempotencyKey: string | null): string {
  return JSON.stringify([workspaceId, source, idempotencyKey]);
}

/** The columns of one lead for `insertLeadsSql`. */
function leadRecord(
  ord: number,
  id: string,
  lead: ParsedLead,
  normalized: NormalizedLead,
  event: EventEnvelope<LeadIngestedData> | undefined,
): Record<string, unknown> {
  const { meta } = lead;
  return {
    ord,
    id,
    workspace_id: meta.workspaceId,
    source: meta.source,
    idempotency_key: lead.idempotencyKey,
    fingerprint: lead.fingerprint,
    content_type: meta.contentType,
    headers: meta.headers,
    remote_address: meta.remoteAddress,
    body: lead.bytes.toString('base64'),
    received_at: meta.receivedAt,
    request_id: lead.requestId,
    first_name: normalized.firstName,
    last_name: normalized.lastName,
    email: normalized.email,
    email_valid: normalized.emailValid,
    phone: normalized.phone,
    phone_valid: normalized.phoneValid,
    country: normalized.country,
    language: normalized.language,
    ip: normalized.ip,
    offer: normalized.offer,
    click_id: normalized.clickId,
    creo: normalized.creo,
    description: normalized.description,
    domain: normalized.domain,
    marker: normalized.marker,
    sourcetype: normalized.sourcetype,
    extra: normalized.extra,
    issues: normalized.issues,
    payload: lead.payload,
    event_id: event?.id,
    event_type: event?.type,
    event,
  };
}

/** What an item that failed on its own answers; a stored lead's failure is never reported as success. */
function itemError(error: unknown): RpcErrorBody {
  if (error instanceof AppException) return error.toBody();
  return { code: ErrorCodes.internalError, message: 'Internal error', status: 500 };
}

/** Why a batch item cannot be stored, or undefined when it can. */
export function batchItemProblem(item: unknown): string | undefined {
  if (typeof item !== 'object' || item === null || Array.isArray(item)) return 'each item must be an object {"idempotencyKey"?, "lead"}';
  const { lead, idempotencyKey } = item as Record<string, unknown>;
  if (typeof lead !== 'object' || lead === null || Array.isArray(lead)) return '"lead" must be a JSON object';
  if (idempotencyKey !== undefined && idempotencyKey !== null) {
    if (typeof idempotencyKey !== 'string' || idempotencyKey.length === 0 || idempotencyKey.length > MAX_IDEMPOTENCY_KEY_LENGTH) {
      return `"idempotencyKey" must be a string of 1 to ${MAX_IDEMPOTENCY_KEY_LENGTH} characters`;
    }
  }
  return undefined;
}
