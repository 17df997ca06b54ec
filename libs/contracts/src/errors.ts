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
  notFound: 'not_found',
  unavailable: 'unavailable',
  internalError: 'internal_error',
} as const;
export type ErrorCode = (typeof ErrorCodes)[keyof typeof ErrorCodes] | (string & {});

/** The error payload of a failed request/reply call. */
export interface RpcErrorBody {
  code: ErrorCode;
  message: string;
  /** The HTTP status the gateway should answer with. */
  status: number;
}

export function isRpcErrorBody(value: unknown): value is RpcErrorBody {
  if (typeof value !== 'object' || value === null) return false;
  const candidate = value as Record<string, unknown>;
  return typeof candidate.code === 'string' && typeof candidate.message === 'string' && typeof candidate.status === 'number';
}

/**
 * A failure with a stable code and the HTTP status it maps to. Features subclass it
 * (`<Feature>Exception`); one filter per transport turns it into an HTTP body or an RPC error.
 */
export class AppException extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly status: number,
  ) {
    super(message);
    this.name = new.target.name;
  }

  toBody(): RpcErrorBody {
    return { code: this.code, message: this.message, status: this.status };
  }
}

/** A call to another app failed; carries the downstream code, or `unavailable` when it did not answer. */
export class DownstreamException extends AppException {
  constructor(
    readonly subject: string,
    code: ErrorCode,
    message: string,
    status: number,
  ) {
    super(code, message, status);
  }
}
