import {
  AppException,
  ErrorCodes,
  type IngestBatchReply,
  type IngestBatchRequest,
  type IngestLeadReply,
  type IngestLeadRequest,
  MAX_IDEMPOTENCY_KEY_LENGTH,
  RpcSubjects,
} from '@leadflow/contracts';
import { encodeBody, RpcClient } from '@leadflow/messaging';
import { intakeMediaType } from '@leadflow/normalization';
import { Injectable } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { currentRequestId } from '@leadflow/logging';
import type { Principal } from '../auth/principal';
import { rawBody } from '../http/body-parser';
import { type BatchItemAnswer, batchItemAnswer } from './batch-item-answer';
import { IntakeGroupSender } from './intake-group-sender';
import { intakeMeta } from './intake-request';

/** NATS caps one message at 1 MiB; the encoded body must leave room for the rest of the request. */
const MAX_ENCODED_BODY = 1000 * 1000;

/**
 * Hands intake requests to ingestion, which stores them before anything is acknowledged. The
 * gateway only refuses what it can judge without storing: content types, key format, size.
 */
@Injectable()
export class IntakeService {
  constructor(
    private readonly rpc: RpcClient,
    private readonly groups: IntakeGroupSender,
  ) {}

  async ingestLead(request: FastifyRequest, sender: Principal): Promise<IngestLeadReply> {
    const payload: IngestLeadRequest = {
      ...intakeMeta(request, sender),
      contentType: effectiveContentType(request),
      idempotencyKey: idempotencyKeyOf(request),
      body: this.encodedBody(request),
    };
    return this.groups.send(payload, currentRequestId());
  }

  async ingestBatch(request: FastifyRequest, sender: Principal): Promise<{ results: BatchItemAnswer[] }> {
    const payload: IngestBatchRequest = {
      ...intakeMeta(request, sender),
      contentType: effectiveContentType(request),
      body: this.encodedBody(request),
    };
    if (intakeMediaType(payload.contentType) !== 'json') {
      throw new AppException(ErrorCodes.unsupportedMediaType, 'A batch is sent as application/json');
    }
    // A batch holds up to 500 leads: it may take longer than one lead.
    const reply = await this.rpc.request<IngestBatchReply>(RpcSubjects.ingestion.leadIngestBatch, payload, { timeoutMs: 30000 });
    return { results: reply.results.map((result) => batchItemAnswer(result)) };
  }

  private encodedBody(request: FastifyRequest): IngestLeadRequest['body'] {
    const body = encodeBody(rawBody(request));
    if (body.data.length > MAX_ENCODED_BODY) {
      throw new AppException(ErrorCodes.payloadTooLarge, 'The request body is too large to relay (it does not compress)');
    }
    return body;
  }
}

/** JSON or form; a body sent without a Content-Type is read as JSON, as older senders expect. */
function effectiveContentType(request: FastifyRequest): string {
  const contentType = (request.headers['content-type'] ?? '').trim();
  if (contentType === '') return 'application/json';
  if (!intakeMediaType(contentType)) {
    throw new AppException(ErrorCodes.unsupportedMediaType, 'Send application/json or application/x-www-form-urlencoded');
  }
  return contentType;
}

function idempotencyKeyOf(request: FastifyRequest): string | null {
  const header = request.headers['idempotency-key'];
  if (header === undefined) return null;
  const key = (Array.isArray(header) ? header.join(', ') : header).trim();
  if (key.length === 0 || key.length > MAX_IDEMPOTENCY_KEY_LENGTH) {
    throw new AppException(ErrorCodes.invalidIdempotencyKey, `Idempotency-Key must be 1 to ${MAX_IDEMPOTENCY_KEY_LENGTH} characters`);
  }
  return key;
}
