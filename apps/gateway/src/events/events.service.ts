import {
  type ActivityKind,
  AppException,
  ErrorCodes,
  type IngestActivitiesReply,
  type IngestActivitiesRequest,
  MAX_EVENT_BATCH_BYTES,
  MAX_EVENT_DATA_BYTES,
  RpcSubjects,
  SEGMENT_SOURCE,
} from '@leadflow/contracts';
import { currentRequestId } from '@leadflow/logging';
import { encodeBody, RpcClient } from '@leadflow/messaging';
import { intakeMediaType } from '@leadflow/normalization';
import { Inject, Injectable } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import type { Principal } from '../auth/principal';
import { GatewayEnv } from '../config/env';
import { rawBody } from '../http/body-parser';
import { intakeMeta } from '../intake/intake-request';

/** A batch of up to 500 events may take longer to store than one. */
const BATCH_TIMEOUT_MS = 30_000;
/** Room for a Segment call's envelope (context, ids, times) beside its 32 KB of properties and traits. */
const MAX_SEGMENT_CALL_BYTES = MAX_EVENT_DATA_BYTES + 8 * 1024;

export interface EventsCall {
  /** Our API (`api`, source: the key's name) or the Segment-compatible routes (`segment`). */
  api: 'api' | 'segment';
  shape: IngestActivitiesRequest['shape'];
  defaultKind: ActivityKind | null;
}

/**
 * Hands activity requests to ingestion, which stores them before anything is acknowledged. The
 * gateway only refuses what it can judge without storing: content type and size.
 */
@Injectable()
export class EventsService {
  constructor(
    private readonly rpc: RpcClient,
    @Inject(GatewayEnv) private readonly env: GatewayEnv,
  ) {}

  async ingest(request: FastifyRequest, sender: Principal, call: EventsCall): Promise<IngestActivitiesReply> {
    const bytes = rawBody(request);
    const contentType = (request.headers['content-type'] ?? '').trim();
    if (contentType !== '' && intakeMediaType(contentType) !== 'json') {
      throw new AppException(ErrorCodes.unsupportedMediaType, 'Send events as application/json');
    }
    const limit = call.shape === 'batch' ? MAX_EVENT_BATCH_BYTES : MAX_SEGMENT_CALL_BYTES;
    if (bytes.length > limit) {
      // Segment's HTTP API answers 400 to an oversized body; ours answers 413.
      throw new AppException(
        call.api === 'segment' ? ErrorCodes.batchTooLarge : ErrorCodes.payloadTooLarge,
        `A ${call.shape === 'batch' ? 'batch' : 'single event'} body is at most ${limit} bytes; this one has ${bytes.length}`,
      );
    }
    const payload: IngestActivitiesRequest = {
      ...intakeMeta(request, sender),
      contentType: contentType === '' ? 'application/json' : contentType,
      source: call.api === 'segment' ? SEGMENT_SOURCE : sender.source,
      shape: call.shape,
      defaultKind: call.defaultKind,
      body: encodeBody(bytes),
      requestId: currentRequestId() ?? null,
    };
    const timeoutMs = call.shape === 'batch' ? BATCH_TIMEOUT_MS : this.env.INTAKE_TIMEOUT_MS;
    return this.rpc.request<IngestActivitiesReply>(RpcSubjects.ingestion.activityIngest, payload, { timeoutMs });
  }
}
