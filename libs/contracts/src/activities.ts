import type { ActivityKind } from './events';
import type { RpcErrorBody } from './errors';
import type { EncodedBody, IntakeRequestMeta } from './leads';

/** Activity events: the most events in one batch request, and its most bytes (as Segment's batch API). */
export const MAX_BATCH_EVENTS = 500;
export const MAX_EVENT_BATCH_BYTES = 500 * 1024;
/** One event's `properties` and `traits` together, as JSON, and how deep they may nest (the event object is level 1). */
export const MAX_EVENT_DATA_BYTES = 32 * 1024;
export const MAX_EVENT_DATA_DEPTH = 5;
/** What `source` is for the Segment-compatible routes. */
export const SEGMENT_SOURCE = 'segment';

/**
 * How the body of an activity request is read:
 * - `event`: one event object (`POST /api/v1/events`), or one Segment call (`/v1/track` …, then
 *   `defaultKind` is the call's type);
 * - `batch`: `{"events": [...]}` (`POST /api/v1/events/batch`) or Segment's `{"batch": [...]}` (`/v1/batch`).
 */
export interface IngestActivitiesRequest extends IntakeRequestMeta {
  shape: 'event' | 'batch';
  defaultKind: ActivityKind | null;
  body: EncodedBody;
  requestId: string | null;
}

export type ActivityItemStatus = 'accepted' | 'duplicate' | 'rejected';

/** One event's outcome, in request order. */
export interface ActivityItemResult {
  index: number;
  status: ActivityItemStatus;
  /** The stored activity (the earlier one for a duplicate). */
  id?: string;
  messageId?: string;
  error?: RpcErrorBody;
}

export interface IngestActivitiesReply {
  /** The stored raw request. */
  requestId: string;
  results: ActivityItemResult[];
}
