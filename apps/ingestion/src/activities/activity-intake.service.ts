import {
  type ActivityItemResult,
  type ActivityReceivedData,
  AppException,
  ErrorCodes,
  EventTypes,
  type IngestActivitiesReply,
  type IngestActivitiesRequest,
  MAX_BATCH_EVENTS,
  MAX_REJECTED_BODY_BYTES,
} from '@leadflow/contracts';
import { decodeBody, Outbox } from '@leadflow/messaging';
import { hashOfActivityId, hashOfNormalizedIdentity, toStorableText, shortenText } from '@leadflow/normalization';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { v7 as uuidv7 } from 'uuid';
import { RejectedRequestRepository } from '../leads/rejected-request.repository';
import { sha256Hex } from '../privacy/lead-redaction';
import { SuppressionRepository, suppressionKey } from '../privacy/suppression.repository';
import { type NormalizedActivity, parseActivity } from './activity-event';
import { ActivityRepository, type NewActivity } from './activity.repository';

/**
 * Raw-first intake of activity events: a request is answered only once its raw bytes, its events
 * normalized and their `activity.received` events are committed, by one statement. One message id
 * per workspace is one activity, however often and however concurrently it is sent. Whatever a
 * request holds, a batch of any size costs a read of the suppression list, the insert, and a read
 * of the earlier ids only when some were duplicates.
 */
@Injectable()
export class ActivityIntakeService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly activities: ActivityRepository,
    private readonly rejected: RejectedRequestRepository,
    private readonly suppressions: SuppressionRepository,
    private readonly outbox: Outbox,
  ) {}

  async ingest(request: IngestActivitiesRequest): Promise<IngestActivitiesReply> {
    const bytes = this.decode(request);
    const { items, sentAt, writeKey } = await this.itemsOf(request, bytes);
    const receivedAt = new Date(request.receivedAt);
    const receivedAtIso = receivedAt.toISOString();
    const results: ActivityItemResult[] = new Array(items.length);
    const valid: Array<{ index: number; activity: NormalizedActivity }> = [];
    const firstByMessage = new Map<string, number>();
    for (const [index, item] of items.entries()) {
      const parsed = parseActivity(item, request.defaultKind, receivedAt, sentAt);
      if (!parsed.ok) {
        results[index] = { index, status: 'rejected', error: parsed.error };
      } else if (firstByMessage.has(parsed.activity.messageId)) {
        // The same message twice in one request: stored once, the repeat acknowledged as a duplicate.
        results[index] = { index, status: 'duplicate', messageId: parsed.activity.messageId };
      } else {
        firstByMessage.set(parsed.activity.messageId, index);
        valid.push({ index, activity: parsed.activity });
      }
    }

    const rows = await this.markSuppressed(
      request.workspaceId,
      valid.map(({ activity }) => activity),
    );
    const anySuppressed = rows.some((row) => row.suppressed);
    const requestRow = {
      id: uuidv7(),
      meta: anySuppressed ? { ...request, headers: {}, remoteAddress: null } : request,
      requestId: request.requestId,
      body: anySuppressed ? Buffer.alloc(0) : withoutSecret(bytes, writeKey),
      bodySha256: anySuppressed ? sha256Hex(bytes) : null,
      events: items.length,
    };
    const stored = await this.outbox.addManyWith(
      this.dataSource.manager,
      this.activities.insertStatement(requestRow, rows),
      // A suppressed identity's events publish nothing: no contact is made or scored from them.
      rows.filter((row) => !row.suppressed).map((row) => ({ key: row.id, event: activityReceivedEvent(row, request, receivedAtIso) })),
    );
    const taken = rows.filter((row) => !stored.has(row.id)).map((row) => row.activity.messageId);
    const earlier = await this.activities.idsByMessageId(request.workspaceId, taken);
    valid.forEach(({ index }, i) => {
      const row = rows[i] as NewActivity;
      const messageId = row.activity.messageId;
      results[index] = stored.has(row.id)
        ? { index, status: 'accepted', id: row.id, messageId }
        : { index, status: 'duplicate', id: earlier.get(messageId), messageId };
    });
    for (const result of results) {
      if (result.status === 'duplicate' && result.id === undefined && result.messageId !== undefined) {
        const first = results[firstByMessage.get(result.messageId) ?? -1];
        result.id = first?.id ?? earlier.get(result.messageId);
      }
    }
    return { requestId: requestRow.id, results };
  }

  private decode(request: IngestActivitiesRequest): Buffer {
    try {
      return decodeBody(request.body);
    } catch {
      throw new AppException(ErrorCodes.invalidPayload, 'The body could not be decoded');
    }
  }

  /** The events a body holds; a body that holds none is kept as rejected and refused as a whole. */
  private async itemsOf(
    request: IngestActivitiesRequest,
    bytes: Buffer,
  ): Promise<{ items: unknown[]; sentAt?: unknown; writeKey?: unknown }> {
    let body: unknown;
    try {
      body = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      return this.refuse(request, bytes, ErrorCodes.invalidPayload, `The body is not JSON: ${shortenText(toStorableText(reason), 200)}`);
    }
    if (request.shape === 'event') {
      if (typeof body !== 'object' || body === null || Array.isArray(body)) {
        return this.refuse(request, bytes, ErrorCodes.invalidPayload, 'The body must be one event, a JSON object');
      }
      return { items: [body] };
    }
    const list =
      typeof body === 'object' && body !== null
        ? ((body as Record<string, unknown>).events ?? (body as Record<string, unknown>).batch)
        : undefined;
    if (!Array.isArray(list) || list.length === 0) {
      return this.refuse(
        request,
        bytes,
        ErrorCodes.invalidPayload,
        'The body must be {"events": [ ... ]} (or {"batch": [ ... ]}) with at least one event',
      );
    }
    if (list.length > MAX_BATCH_EVENTS) {
      return this.refuse(
        request,
        bytes,
        ErrorCodes.batchTooLarge,
        `A batch holds at most ${MAX_BATCH_EVENTS} events; this one has ${list.length}`,
      );
    }
    const { sentAt, writeKey } = body as Record<string, unknown>;
    return { items: list, sentAt, writeKey };
  }

  /** Keeps a refused body (capped) with its reason, then refuses it. */
  private async refuse(request: IngestActivitiesRequest, bytes: Buffer, code: string, reason: string): Promise<never> {
    await this.rejected.add(request.workspaceId, {
      meta: request,
      reason: reason.slice(0, 1000),
      body: bytes.subarray(0, MAX_REJECTED_BODY_BYTES),
      bodyBytes: bytes.length,
      requestId: request.requestId,
    });
    throw new AppException(code, reason);
  }

  /**
   * Events whose email, phone or tracker id is on the workspace's suppression list are stored
   * redacted (kind, name, times and ids of the message, not who or what), with one read for the request.
   */
  private async markSuppressed(workspaceId: string, activities: NormalizedActivity[]): Promise<NewActivity[]> {
    const hashes = activities.map(identityHashesOf);
    const suppressed = await this.suppressions.suppressedAmong(hashes.flat().map((hash) => ({ workspaceId, hash })));
    return activities.map((activity, i): NewActivity => {
      const identityHashes = hashes[i] ?? [];
      const isSuppressed = identityHashes.some((hash) => suppressed.has(suppressionKey(workspaceId, hash)));
      return {
        id: uuidv7(),
        identityHashes,
        suppressed: isSuppressed,
        activity: isSuppressed
          ? { ...activity, anonymousId: null, userId: null, previousId: null, email: null, phone: null, properties: {}, traits: {} }
          : activity,
      };
    });
  }
}

/**
 * Segment libraries repeat their write key (a LeadFlow API key) in a batch body. Keys are stored
 * only as hashes, so the raw bytes keep everything but the key itself.
 */
function withoutSecret(bytes: Buffer, writeKey: unknown): Buffer {
  if (typeof writeKey !== 'string' || writeKey.length < 8) return bytes;
  return Buffer.from(bytes.toString('utf8').split(writeKey).join('[redacted]'), 'utf8');
}

/**
 * The hashes a suppression or an erasure finds an activity by: its email, its phone when valid, its
 * tracker ids (an alias's earlier id may be either, as contacts reads it) and the contact id it names.
 */
function identityHashesOf(activity: NormalizedActivity): string[] {
  const hashes: string[] = [];
  if (activity.email) hashes.push(hashOfNormalizedIdentity('email', activity.email));
  if (activity.phone && activity.phoneValid) hashes.push(hashOfNormalizedIdentity('phone', activity.phone));
  if (activity.anonymousId) hashes.push(hashOfActivityId('anonymous_id', activity.anonymousId));
  if (activity.userId) hashes.push(hashOfActivityId('user_id', activity.userId));
  if (activity.previousId) {
    hashes.push(hashOfActivityId('anonymous_id', activity.previousId), hashOfActivityId('user_id', activity.previousId));
  }
  if (activity.contactId) hashes.push(hashOfActivityId('contact_id', activity.contactId));
  return [...new Set(hashes)];
}

function activityReceivedEvent(row: NewActivity, request: IngestActivitiesRequest, receivedAt: string) {
  return {
    type: EventTypes.activityReceived,
    workspaceId: request.workspaceId,
    correlationId: request.requestId ?? undefined,
    data: {
      ...row.activity,
      activityId: row.id,
      receivedAt,
      source: request.source,
    } satisfies ActivityReceivedData,
  };
}
