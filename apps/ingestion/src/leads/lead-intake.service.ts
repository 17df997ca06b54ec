import {
  AppException,
  type BatchItemResult,
  ErrorCodes,
  EventTypes,
  type IngestLeadReply,
  type IntakeRequestMeta,
  type LeadIngestedData,
  MAX_BATCH_LEADS,
  MAX_IDEMPOTENCY_KEY_LENGTH,
  MAX_REJECTED_BODY_BYTES,
} from '@leadflow/contracts';
import { qualifiedTable } from '@leadflow/database';
import { currentRequestId } from '@leadflow/logging';
import { decodeBody, Outbox } from '@leadflow/messaging';
import { fingerprint, intakeMediaType, normalizeLead, parseLeadBody } from '@leadflow/normalization';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
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

/**
 * Raw-first intake: a lead is acknowledged only once its raw bytes, its normalized form and its
 * `lead.ingested` event are committed together. One key per (workspace, source) is one lead,
 * however often and however concurrently it is sent.
 */
@Injectable()
export class LeadIntakeService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly outbox: Outbox,
  ) {}

  async ingest(request: IngestLeadDto): Promise<IngestLeadReply> {
    const bytes = this.decode(request);
    const mediaType = intakeMediaType(request.contentType);
    if (!mediaType) throw new AppException(ErrorCodes.unsupportedMediaType, 'Send JSON or form-encoded bodies', 415);
    const parsed = parseLeadBody(mediaType, bytes);
    if (!parsed.ok) {
      await this.reject(request, bytes, parsed.reason);
      throw new InvalidPayloadException(`The body is not a lead: ${parsed.reason}`);
    }
    return this.store(request, request.idempotencyKey ?? null, bytes, parsed.payload, parsed.fingerprint);
  }

  /** Stores every valid item of a batch, one transaction each, in order; one result per item. */
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
    const results: BatchItemResult[] = [];
    for (const [index, item] of items.entries()) results.push(await this.storeBatchItem(request, index, item));
    return results;
  }

  private async storeBatchItem(meta: IntakeRequestMeta, index: number, item: unknown): Promise<BatchItemResult> {
    const problem = batchItemProblem(item);
    if (problem) return { index, status: 400, error: { code: ErrorCodes.invalidPayload, message: problem } };
    const { lead, idempotencyKey } = item as { lead: Payload; idempotencyKey?: string };
    try {
      const stored = await this.store(meta, idempotencyKey ?? null, Buffer.from(JSON.stringify(lead), 'utf8'), lead, fingerprint(lead));
      return { index, status: 201, id: stored.leadId, receivedAt: stored.receivedAt, replayed: stored.deduplicated };
    } catch (error) {
      if (error instanceof IdempotencyKeyReusedException)
        return { index, status: 422, error: { code: error.code, message: error.message } };
      throw error;
    }
  }

  private decode(request: IntakeRequestMeta & { body: IngestLeadDto['body'] }): Buffer {
    try {
      return decodeBody(request.body);
    } catch {
      throw new InvalidPayloadException('The body could not be decoded');
    }
  }

  private async store(
    meta: IntakeRequestMeta,
    idempotencyKey: string | null,
    bytes: Buffer,
    payload: Payload,
    bodyFingerprint: string,
  ): Promise<IngestLeadReply> {
    const lead = normalizeLead(payload);
    const raw = qualifiedTable(this.dataSource, 'raw_leads');
    return this.dataSource.transaction(async (manager) => {
      const leadId = uuidv7();
      const inserted = (await manager.query(
        `INSERT INTO ${raw} ("id", "workspace_id", "source", "idempotency_key", "fingerprint", "content_type", "headers",
           "remote_address", "body", "received_at", "request_id")
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
         ON CONFLICT ON CONSTRAINT "raw_leads_idempotency_key" DO NOTHING
         RETURNING "id"`,
        [
          leadId,
          meta.workspaceId,
          meta.source,
          idempotencyKey,
          bodyFingerprint,
          meta.contentType,
          meta.headers,
          meta.remoteAddress,
          bytes,
          meta.receivedAt,
          currentRequestId() ?? null,
        ],
      )) as unknown[];
      if (inserted.length === 0) {
        // The key was committed before (a concurrent insert waits for it): same body or not?
        const [existing] = (await manager.query(
          `SELECT "id", "fingerprint", "received_at" FROM ${raw} WHERE "workspace_id" = $1 AND "source" = $2 AND "idempotency_key" = $3`,
          [meta.workspaceId, meta.source, idempotencyKey],
        )) as Array<{ id: string; fingerprint: string; received_at: Date }>;
        if (!existing) throw new Error('idempotency key conflict without a stored row');
        if (existing.fingerprint !== bodyFingerprint) throw new IdempotencyKeyReusedException();
        return { leadId: existing.id, receivedAt: existing.received_at.toISOString(), deduplicated: true };
      }
      await manager.query(
        `INSERT INTO ${qualifiedTable(this.dataSource, 'leads')} ("id", "workspace_id", "source", "received_at", "first_name", "last_name",
           "email", "email_valid", "phone", "phone_valid", "country", "language", "ip", "offer", "click_id", "creo", "description",
           "domain", "marker", "sourcetype", "extra", "issues", "payload")
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $23)`,
        [
          leadId,
          meta.workspaceId,
          meta.source,
          meta.receivedAt,
          lead.firstName,
          lead.lastName,
          lead.email,
          lead.emailValid,
          lead.phone,
          lead.phoneValid,
          lead.country,
          lead.language,
          lead.ip,
          lead.offer,
          lead.clickId,
          lead.creo,
          lead.description,
          lead.domain,
          lead.marker,
          lead.sourcetype,
          JSON.stringify(lead.extra),
          JSON.stringify(lead.issues),
          JSON.stringify(payload),
        ],
      );
      const receivedAt = new Date(meta.receivedAt).toISOString();
      await this.outbox.add<LeadIngestedData>(manager, {
        type: EventTypes.leadIngested,
        workspaceId: meta.workspaceId,
        data: {
          leadId,
          source: meta.source,
          receivedAt,
          email: lead.email,
          emailValid: lead.emailValid,
          phone: lead.phone,
          phoneValid: lead.phoneValid,
          country: lead.country,
          offer: lead.offer,
          firstName: lead.firstName,
          lastName: lead.lastName,
        },
      });
      return { leadId, receivedAt, deduplicated: false };
    });
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
