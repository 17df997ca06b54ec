import {
  AppException,
  type BatchItemResult,
  ErrorCodes,
  EventTypes,
  type IngestLeadGroupResult,
  type IntakeRequestMeta,
  type LeadIngestedData,
  MAX_BATCH_LEADS,
  MAX_IDEMPOTENCY_KEY_LENGTH,
  MAX_REJECTED_BODY_BYTES,
  type RpcErrorBody,
} from '@leadflow/contracts';
import { APP_LOGGER, currentRequestId, newRequestId, runWithRequestId } from '@leadflow/logging';
import { decodeBody, Outbox } from '@leadflow/messaging';
import { fingerprint, intakeMediaType, leadIdentityHashes, normalizeLead, parseLeadBody } from '@leadflow/normalization';
import { isDependencyOutage } from '@leadflow/runtime';
import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { Logger as PinoLogger } from 'pino';
import type { DataSource } from 'typeorm';
import { v7 as uuidv7 } from 'uuid';
import { redactedNormalized, sha256Hex } from '../privacy/lead-redaction';
import { SuppressionRepository, suppressionKey } from '../privacy/suppression.repository';
import type { IngestBatchDto, IngestLeadDto } from './dto/intake-request.dto';
import { LeadRepository, type NewLead } from './lead.repository';
import { RejectedRequestRepository } from './rejected-request.repository';

type Payload = Record<string, unknown>;

class InvalidPayloadException extends AppException {
  constructor(message: string) {
    super(ErrorCodes.invalidPayload, message);
  }
}

class IdempotencyKeyReusedException extends AppException {
  constructor() {
    super(ErrorCodes.idempotencyKeyReused, 'This Idempotency-Key was already used with a different body');
  }
}

/** A lead ready to store: its request, its bytes as received and the object they hold. */
type ParsedLead = Omit<NewLead, 'id' | 'normalized'>;

/**
 * Raw-first intake: a lead is acknowledged only once its raw bytes, its normalized form and its
 * `lead.ingested` event are committed together. One key per (workspace, source) is one lead,
 * however often and however concurrently it is sent.
 *
 * Leads arriving together are stored together: a group (single-lead requests gathered by the
 * gateway, or a batch request) is one statement (raw rows, leads and their events), and a read
 * afterwards only for keys already used. Each item still gets its own answer; should the group's
 * statement fail, every item is stored on its own, so one bad item fails only itself.
 */
@Injectable()
export class LeadIntakeService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly leads: LeadRepository,
    private readonly rejected: RejectedRequestRepository,
    private readonly suppressions: SuppressionRepository,
    private readonly outbox: Outbox,
    @Inject(APP_LOGGER) private readonly logger: PinoLogger,
  ) {}

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
    return results.map((result) => result ?? { ok: false, error: { code: ErrorCodes.internalError, message: 'Internal error' } });
  }

  /** Stores every valid item of a batch with one statement; one result per item, in order. */
  async ingestBatch(request: IngestBatchDto): Promise<BatchItemResult[]> {
    const bytes = this.decode(request);
    if (intakeMediaType(request.contentType) !== 'json') {
      throw new AppException(ErrorCodes.unsupportedMediaType, 'A batch is a JSON body');
    }
    const parsed = parseLeadBody('json', bytes);
    const items = parsed.ok ? parsed.payload.leads : undefined;
    if (!parsed.ok || !Array.isArray(items) || items.length === 0) {
      const reason = parsed.ok ? 'expected {"leads": [ {"idempotencyKey"?, "lead": {...}}, ... ]} with at least one item' : parsed.reason;
      await this.reject(request, bytes, reason);
      throw new InvalidPayloadException(`The body is not a batch of leads: ${reason}`);
    }
    if (items.length > MAX_BATCH_LEADS) {
      throw new AppException(ErrorCodes.batchTooLarge, `A batch holds at most ${MAX_BATCH_LEADS} leads; this one has ${items.length}`);
    }
    const requestId = currentRequestId() ?? null;
    const valid: Array<{ index: number; lead: ParsedLead }> = [];
    const results: BatchItemResult[] = new Array(items.length);
    for (const [index, item] of items.entries()) {
      const problem = batchItemProblem(item);
      if (problem) {
        results[index] = { index, ok: false, error: { code: ErrorCodes.invalidPayload, message: problem } };
        continue;
      }
      const { lead, idempotencyKey } = item as { lead: Payload; idempotencyKey?: string };
      valid.push({
        index,
        lead: {
          meta: request,
          requestId,
          idempotencyKey: idempotencyKey ?? null,
          body: Buffer.from(JSON.stringify(lead), 'utf8'),
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
        results[index] = { index, ok: true, id: leadId, receivedAt, replayed: deduplicated };
      } else if (result?.error.code === ErrorCodes.idempotencyKeyReused) {
        results[index] = { index, ok: false, error: { code: result.error.code, message: result.error.message } };
      } else {
        // Not a per-item outcome: the batch as a whole failed, as a single lead would have.
        throw new AppException(result?.error.code ?? ErrorCodes.internalError, result?.error.message ?? 'Internal error');
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
    if (!mediaType) throw new AppException(ErrorCodes.unsupportedMediaType, 'Send JSON or form-encoded bodies');
    const parsed = parseLeadBody(mediaType, bytes);
    if (!parsed.ok) {
      await runWithRequestId(request.requestId ?? newRequestId(), () => this.reject(request, bytes, parsed.reason));
      throw new InvalidPayloadException(`The body is not a lead: ${parsed.reason}`);
    }
    const { body: _body, requestId, idempotencyKey, ...meta } = request;
    return {
      meta,
      requestId,
      idempotencyKey: idempotencyKey ?? null,
      body: bytes,
      payload: parsed.payload,
      fingerprint: parsed.fingerprint,
    };
  }

  /** One statement for the group; when it fails, each lead on its own. */
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

  /**
   * The raw rows, the normalized leads and the `lead.ingested` events of the leads that are new,
   * with one statement, after one read of the suppression list; then, only for keys stored before,
   * a read of what they hold.
   */
  private async storeTogether(leads: ParsedLead[]): Promise<IngestLeadGroupResult[]> {
    const rows = await this.redactSuppressed(
      leads.map((lead): NewLead => ({ ...lead, id: uuidv7(), normalized: normalizeLead(lead.payload) })),
    );
    const isNew = await this.outbox.addManyWith(
      this.dataSource.manager,
      this.leads.insertNewStatement(rows),
      // A suppressed lead publishes nothing: no contact is made or updated from it.
      rows.filter((row) => !row.suppressed).map((row) => ({ key: row.id, event: leadIngestedEvent(row) })),
    );
    // A key committed before (a concurrent insert waits for it and then conflicts): same body or not?
    const taken = rows.filter((row) => !isNew.has(row.id));
    const earlier = new Map(
      (
        await this.leads.findByKeys(
          taken.map((row) => ({ workspaceId: row.meta.workspaceId, source: row.meta.source, idempotencyKey: row.idempotencyKey })),
        )
      ).map((stored) => [keyOf(stored.workspaceId, stored.source, stored.idempotencyKey), stored]),
    );
    return rows.map(({ id, meta, idempotencyKey, fingerprint }): IngestLeadGroupResult => {
      if (isNew.has(id))
        return { ok: true, reply: { leadId: id, receivedAt: new Date(meta.receivedAt).toISOString(), deduplicated: false } };
      const existing = earlier.get(keyOf(meta.workspaceId, meta.source, idempotencyKey));
      if (!existing) throw new Error('idempotency key conflict without a stored row');
      if (existing.fingerprint !== fingerprint) return { ok: false, error: new IdempotencyKeyReusedException().toBody() };
      return { ok: true, reply: { leadId: existing.id, receivedAt: existing.receivedAt.toISOString(), deduplicated: true } };
    });
  }

  /**
   * Leads whose email or phone is on their workspace's suppression list are stored redacted: the
   * row keeps its id, key, times, fingerprint and the sha256 of the bytes received, not what they
   * said (see `redactedNormalized`). One read for the group.
   */
  private async redactSuppressed(rows: NewLead[]): Promise<NewLead[]> {
    const hashes = rows.map((row) => leadIdentityHashes(row.normalized));
    const suppressed = await this.suppressions.suppressedAmong(
      rows.flatMap((row, i) => (hashes[i] ?? []).map((hash) => ({ workspaceId: row.meta.workspaceId, hash }))),
    );
    if (suppressed.size === 0) return rows;
    return rows.map((row, i) => {
      if (!(hashes[i] ?? []).some((hash) => suppressed.has(suppressionKey(row.meta.workspaceId, hash)))) return row;
      return {
        ...row,
        meta: { ...row.meta, headers: {}, remoteAddress: null },
        body: Buffer.alloc(0),
        payload: {},
        normalized: redactedNormalized(row.normalized),
        suppressed: { bodySha256: sha256Hex(row.body) },
      };
    });
  }

  /** Keeps a refused body (capped) and the reason, for audit. */
  private async reject(meta: IntakeRequestMeta, bytes: Buffer, reason: string): Promise<void> {
    await this.rejected.add(meta.workspaceId, {
      meta,
      reason: reason.slice(0, 1000),
      body: bytes.subarray(0, MAX_REJECTED_BODY_BYTES),
      bodyBytes: bytes.length,
      requestId: currentRequestId() ?? null,
    });
  }
}

function keyOf(workspaceId: string, source: string, idempotencyKey: string | null): string {
  return JSON.stringify([workspaceId, source, idempotencyKey]);
}

/** The `lead.ingested` event of a lead stored now. */
function leadIngestedEvent({ id, meta, requestId, normalized }: NewLead) {
  return {
    type: EventTypes.leadIngested,
    workspaceId: meta.workspaceId,
    correlationId: requestId ?? undefined,
    data: {
      leadId: id,
      source: meta.source,
      receivedAt: new Date(meta.receivedAt).toISOString(),
      email: normalized.email,
      emailValid: normalized.emailValid,
      phone: normalized.phone,
      phoneValid: normalized.phoneValid,
      country: normalized.country,
      offer: normalized.offer,
      firstName: normalized.firstName,
      lastName: normalized.lastName,
      clickId: normalized.clickId,
    } satisfies LeadIngestedData,
  };
}

/** What an item that failed on its own answers; a stored lead's failure is never reported as success. */
function itemError(error: unknown): RpcErrorBody {
  if (error instanceof AppException) return error.toBody();
  return { code: ErrorCodes.internalError, message: 'Internal error' };
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
