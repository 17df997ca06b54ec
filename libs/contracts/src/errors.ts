/**
 * Stable machine-readable error codes. They travel in RPC error replies and HTTP bodies; senders
 * and admins may branch on them, so a code is never renamed.
 */
export const ErrorCodes = {
  invalidPayload: 'invalid_payload',
  validationFailed: 'validation_failed',
  invalidQuery: 'invalid_query',
  invalidId: 'invalid_id',
  invalidCursor: 'invalid_cursor',
  idempotencyKeyReused: 'idempotency_key_reused',
  invalidIdempotencyKey: 'invalid_idempotency_key',
  payloadTooLarge: 'payload_too_large',
  unsupportedMediaType: 'unsupported_media_type',
  batchTooLarge: 'batch_too_large',
  unauthorized: 'unauthorized',
  forbidden: 'forbidden',
  rateLimited: 'rate_limited',
  tooManyAttempts: 'too_many_attempts',
  loginDisabled: 'login_disabled',
  nameTaken: 'name_taken',
  lastOwner: 'last_owner',
  invalidMapping: 'invalid_mapping',
  importNotOpen: 'import_not_open',
  notFound: 'not_found',
  /** A conditional write (PATCH, PUT, DELETE) without If-Match: 428. */
  preconditionRequired: 'precondition_required',
  invalidPrecondition: 'invalid_precondition',
  /** If-Match names a version that is no longer current: 412, with the current representation. */
  versionConflict: 'version_conflict',
  identityConflict: 'identity_conflict',
  invalidEmail: 'invalid_email',
  invalidPhone: 'invalid_phone',
  invalidCountry: 'invalid_country',
  invalidOwner: 'invalid_owner',
  propertiesTooLarge: 'properties_too_large',
  methodNotAllowed: 'method_not_allowed',
  unavailable: 'unavailable',
  internalError: 'internal_error',
  /** Money (see MoneyErrorCodes): 400. */
  invalidCurrency: 'invalid_currency',
  invalidAmount: 'invalid_amount',
  tooManyDecimals: 'too_many_decimals',
  amountOutOfRange: 'amount_out_of_range',
  /** A contact named in a body is not a live contact of the workspace: 422. */
  unknownContact: 'unknown_contact',
  unknownLead: 'unknown_lead',
  unknownPipeline: 'unknown_pipeline',
  unknownStage: 'unknown_stage',
  /** A pipeline change would drop a stage that opportunities are in: 409. */
  stageInUse: 'stage_in_use',
  /** The pipeline has not attributed the lead to a contact yet: 409 with Retry-After. */
  leadNotAttributed: 'lead_not_attributed',
  /** The lead was converted before (without the Idempotency-Key of that conversion): 409. */
  leadAlreadyConverted: 'lead_already_converted',
  /** Activity events (per item): a field is missing or malformed: 400. */
  invalidEvent: 'invalid_event',
  /** An activity event names no one (anonymousId, userId, email, phone or contactId): 400. */
  missingIdentifier: 'missing_identifier',
  /** An activity event's properties and traits exceed 32 KB or nest deeper than 5: 400. */
  eventTooLarge: 'event_too_large',
  /** A browser key was used from an origin it does not list: 403. */
  originNotAllowed: 'origin_not_allowed',
  /** The contact was erased (GDPR): it can no longer be written, deleted or restored: 410. */
  contactErased: 'contact_erased',
  /** The email or phone belongs to an erased person; it makes no contact by hand or import: 409. */
  identityErased: 'identity_erased',
  /** A scoring rule body that does not make a rule (bad condition, decay, caps…): 400. */
  invalidRule: 'invalid_rule',
  /** Stage thresholds that do not rise (warm < hot < qualified): 400. */
  invalidThresholds: 'invalid_thresholds',
  /** A scoring rule of that id exists in the workspace: 409. */
  ruleExists: 'rule_exists',
  /** A contact cannot be merged into itself (or into a contact it was merged into already by another id): 409. */
  mergeIntoSelf: 'merge_into_self',
  /** A merge names a soft-deleted contact: restore it first. 409. */
  contactDeleted: 'contact_deleted',
  /** A webhook whose signature matches none of the integration's secrets (or is missing or unreadable): 401. */
  invalidSignature: 'invalid_signature',
  /** A webhook signed further from now than the integration's tolerance: 401. */
  staleTimestamp: 'stale_timestamp',
  /** A CRM event that is not failed cannot be retried: 409. */
  eventNotRetryable: 'event_not_retryable',
  /** An automation body that does not make an automation (unknown trigger, bad condition or action…): 400. */
  invalidAutomation: 'invalid_automation',
  /** A webhook endpoint URL that is not http(s) or resolves to an address deliveries may not reach: 400. */
  unsafeWebhookUrl: 'unsafe_webhook_url',
  /** A webhook endpoint subscribes to an event type (or `prefix.*`) that is not a public event: 400. */
  unknownEventType: 'unknown_event_type',
  /** A webhook delivery that is on its way (not succeeded or failed) cannot be resent: 409. */
  deliveryInProgress: 'delivery_in_progress',
} as const;
export type ErrorCode = (typeof ErrorCodes)[keyof typeof ErrorCodes] | (string & {});

/**
 * The error payload of a failed request/reply call: a code and a message, nothing about HTTP. The
 * gateway turns the code into an HTTP status at its edge.
 */
export interface RpcErrorBody {
  code: ErrorCode;
  message: string;
}

/** A plain `{code, message}` as it arrives over NATS; an Error object (a NATS client error) is not one. */
export function isRpcErrorBody(value: unknown): value is RpcErrorBody {
  if (typeof value !== 'object' || value === null || value instanceof Error) return false;
  const candidate = value as Record<string, unknown>;
  return typeof candidate.code === 'string' && typeof candidate.message === 'string';
}

/**
 * A failure with a stable code. Features subclass it (`<Feature>Exception`); one filter turns it
 * into an RPC error reply, or at the HTTP edge into the status its code maps to.
 */
export class AppException extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message);
    this.name = new.target.name;
  }

  toBody(): RpcErrorBody {
    return { code: this.code, message: this.message };
  }
}

/** A call to another app failed; carries the downstream code, or `unavailable` when it did not answer. */
export class DownstreamException extends AppException {
  constructor(
    readonly subject: string,
    code: ErrorCode,
    message: string,
  ) {
    super(code, message);
  }
}
