import {
  ACTIVITY_KINDS,
  type ActivityKind,
  type ActivityReceivedData,
  type ActivityTimeFlag,
  ErrorCodes,
  MAX_EVENT_DATA_BYTES,
  MAX_EVENT_DATA_DEPTH,
  type RpcErrorBody,
} from '@leadflow/contracts';
import { fingerprint, jsonNestsDeeperThan, normalizeEmail, normalizePhone, toStorableText } from '@leadflow/normalization';

/** An activity event as stored and published: the contract's fields less the ids ingestion gives it. */
export type NormalizedActivity = Omit<ActivityReceivedData, 'activityId' | 'source' | 'receivedAt'>;

export type ActivityParseResult = { ok: true; activity: NormalizedActivity } | { ok: false; error: RpcErrorBody };

const NAME = /^[A-Za-z0-9_.:-]{1,64}$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const MAX_ID_LENGTH = 128;
const MAX_IDENTITY_LENGTH = 254;
const DAY_MS = 24 * 60 * 60 * 1000;
/** More than this ahead of receipt is flagged `future`. */
export const FUTURE_TOLERANCE_MS = DAY_MS;
/** More than this before receipt is flagged `past` (two years). */
export const PAST_TOLERANCE_MS = 730 * DAY_MS;
/** Ids ingestion derives for events sent without `messageId`/`eventId`: `fp:` and the event's content hash. */
export const DERIVED_ID_PREFIX = 'fp:';

class Refusal extends Error {
  constructor(readonly body: RpcErrorBody) {
    super(body.message);
  }
}

const invalid = (message: string): never => {
  throw new Refusal({ code: ErrorCodes.invalidEvent, message });
};

/**
 * When an event happened, corrected for the sender's clock as Segment does: with both `timestamp`
 * and `sentAt` (both on the sender's clock), `receivedAt − (sentAt − timestamp)`; with `timestamp`
 * alone, that; else `receivedAt`. Implausible times are kept and flagged, never refused.
 */
export function correctedTime(
  receivedAt: Date,
  timestamp: Date | null,
  sentAt: Date | null,
): { occurredAt: Date; timeFlag: ActivityTimeFlag | null } {
  const occurredAt =
    timestamp && sentAt ? new Date(receivedAt.getTime() - (sentAt.getTime() - timestamp.getTime())) : (timestamp ?? receivedAt);
  const ahead = occurredAt.getTime() - receivedAt.getTime();
  const timeFlag = ahead > FUTURE_TOLERANCE_MS ? 'future' : -ahead > PAST_TOLERANCE_MS ? 'past' : null;
  return { occurredAt: isFinite(occurredAt.getTime()) ? occurredAt : receivedAt, timeFlag };
}

/**
 * Validates and normalizes one event (our own shape or a Segment call; `defaultKind` is the type a
 * Segment route implies). Never throws: every refusal comes back with its code.
 */
export function parseActivity(
  raw: unknown,
  defaultKind: ActivityKind | null,
  receivedAt: Date,
  /** A Segment batch's own `sentAt`, for the calls that carry none. */
  batchSentAt: unknown = undefined,
): ActivityParseResult {
  try {
    return { ok: true, activity: normalizeActivity(raw, defaultKind, receivedAt, batchSentAt) };
  } catch (error) {
    if (error instanceof Refusal) return { ok: false, error: error.body };
    throw error;
  }
}

function normalizeActivity(raw: unknown, defaultKind: ActivityKind | null, receivedAt: Date, batchSentAt: unknown): NormalizedActivity {
  if (!isObject(raw)) invalid('each event must be a JSON object');
  const event = raw as Record<string, unknown>;
  const kind = event.type ?? defaultKind;
  if (typeof kind !== 'string' || !(ACTIVITY_KINDS as readonly string[]).includes(kind)) {
    invalid(`"type" must be one of ${ACTIVITY_KINDS.join(', ')}`);
  }
  const activityKind = kind as ActivityKind;

  const properties = objectField(event, 'properties');
  const context = isObject(event.context) ? (event.context as Record<string, unknown>) : {};
  const traits = objectField(event, 'traits') ?? (isObject(context.traits) ? (context.traits as Record<string, unknown>) : undefined);
  checkSize(properties ?? {}, traits ?? {});

  let name: string;
  if (activityKind === 'track') {
    if (typeof event.event !== 'string' || !NAME.test(event.event)) {
      invalid('"event" is required for a track: 1 to 64 letters, digits or _ . : -');
    }
    name = event.event as string;
  } else {
    name = activityKind === 'page' ? 'page_view' : activityKind;
  }

  const anonymousId = idField(event, 'anonymousId');
  const userId = idField(event, 'userId');
  const previousId = idField(event, 'previousId');
  if (activityKind === 'alias' && previousId === null) invalid('"previousId" is required for an alias');
  const contactId = idField(event, 'contactId');
  if (contactId !== null && !UUID.test(contactId)) invalid('"contactId" must be a LeadFlow contact id (a uuid)');
  const emailText = identityField(event, traits, 'email');
  const phoneText = identityField(event, traits, 'phone');
  const email = emailText === null ? null : normalizeEmail(emailText);
  const phone = phoneText === null ? null : normalizePhone(phoneText, null);
  if (anonymousId === null && userId === null && email === null && phoneText === null && contactId === null) {
    throw new Refusal({
      code: ErrorCodes.missingIdentifier,
      message: 'an event names someone: anonymousId, userId, email, phone or contactId',
    });
  }

  const timestamp = timeField(event, 'timestamp');
  const sentAt = timeField(event.sentAt === undefined ? { sentAt: batchSentAt } : event, 'sentAt');
  const { occurredAt, timeFlag } = correctedTime(receivedAt, timestamp, sentAt);
  const messageId = idField(event, 'messageId') ?? idField(event, 'eventId') ?? `${DERIVED_ID_PREFIX}${fingerprint(event)}`;

  return {
    messageId,
    kind: activityKind,
    name,
    anonymousId,
    userId,
    previousId,
    email: email?.email ?? null,
    emailValid: email?.valid ?? false,
    phone: phone ? (phone.phone ?? phoneText) : null,
    phoneValid: phone?.valid ?? false,
    contactId: contactId?.toLowerCase() ?? null,
    properties: storable(properties ?? {}) as Record<string, unknown>,
    traits: storable(traits ?? {}) as Record<string, unknown>,
    occurredAt: occurredAt.toISOString(),
    timeFlag,
  };
}

function isObject(value: unknown): boolean {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function objectField(event: Record<string, unknown>, field: string): Record<string, unknown> | undefined {
  const value = event[field];
  if (value === undefined || value === null) return undefined;
  if (!isObject(value)) invalid(`"${field}" must be a JSON object`);
  return value as Record<string, unknown>;
}

/** 32 KB of JSON for properties and traits together, each nesting at most 5 levels. */
function checkSize(properties: Record<string, unknown>, traits: Record<string, unknown>): void {
  const propertiesJson = JSON.stringify(properties);
  const traitsJson = JSON.stringify(traits);
  const bytes = Buffer.byteLength(propertiesJson) + Buffer.byteLength(traitsJson);
  if (bytes > MAX_EVENT_DATA_BYTES) {
    throw new Refusal({
      code: ErrorCodes.eventTooLarge,
      message: `properties and traits hold ${bytes} bytes of JSON; at most ${MAX_EVENT_DATA_BYTES}`,
    });
  }
  if (jsonNestsDeeperThan(propertiesJson, MAX_EVENT_DATA_DEPTH) || jsonNestsDeeperThan(traitsJson, MAX_EVENT_DATA_DEPTH)) {
    throw new Refusal({ code: ErrorCodes.eventTooLarge, message: `properties and traits nest at most ${MAX_EVENT_DATA_DEPTH} levels` });
  }
}

/** An id as senders write it: a string, or a number (some trackers send numeric user ids). */
function idField(event: Record<string, unknown>, field: string): string | null {
  const value = event[field];
  if (value === undefined || value === null) return null;
  const text = typeof value === 'number' && Number.isFinite(value) ? String(value) : value;
  if (typeof text !== 'string') invalid(`"${field}" must be a string`);
  const id = toStorableText(text as string).trim();
  if (id.length === 0 || id.length > MAX_ID_LENGTH) invalid(`"${field}" must be 1 to ${MAX_ID_LENGTH} characters`);
  return id;
}

/** `email`/`phone` at the top level, else in traits (an identify's, or `context.traits`). */
function identityField(event: Record<string, unknown>, traits: Record<string, unknown> | undefined, field: string): string | null {
  const value = event[field] ?? traits?.[field];
  if (value === undefined || value === null || value === '') return null;
  if (typeof value !== 'string' || value.length > MAX_IDENTITY_LENGTH)
    invalid(`"${field}" must be a string of at most ${MAX_IDENTITY_LENGTH} characters`);
  const text = toStorableText(value as string).trim();
  return text === '' ? null : text;
}

function timeField(event: Record<string, unknown>, field: string): Date | null {
  const value = event[field];
  if (value === undefined || value === null) return null;
  // A date and a time of day (ISO 8601); the zone may be Z or an offset.
  if (typeof value !== 'string' || !/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/.test(value)) invalid(`"${field}" must be an ISO 8601 date and time`);
  const time = new Date(value as string);
  if (!isFinite(time.getTime())) invalid(`"${field}" is not a valid time`);
  return time;
}

/** A copy PostgreSQL's jsonb accepts: no NUL, no lone surrogates, in keys or strings (depth is bounded before). */
function storable(value: unknown): unknown {
  if (typeof value === 'string') return toStorableText(value);
  if (Array.isArray(value)) return value.map(storable);
  if (isObject(value)) {
    return Object.fromEntries(
      Object.entries(value as Record<string, unknown>).map(([key, inner]) => [toStorableText(key), storable(inner)]),
    );
  }
  return value;
}
