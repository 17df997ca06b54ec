import { type ErrorCode, ErrorCodes } from '@leadflow/contracts';

type KnownErrorCode = (typeof ErrorCodes)[keyof typeof ErrorCodes];

/**
 * The HTTP status of each error code: the one place HTTP meets the codes that travel between apps.
 * Typed as a complete record, so a new code does not compile until it has a status.
 */
export const HTTP_STATUS_BY_ERROR_CODE: Readonly<Record<KnownErrorCode, number>> = {
  [ErrorCodes.invalidPayload]: 400,
  [ErrorCodes.invalidEvent]: 400,
  [ErrorCodes.missingIdentifier]: 400,
  [ErrorCodes.eventTooLarge]: 400,
  [ErrorCodes.originNotAllowed]: 403,
  [ErrorCodes.validationFailed]: 400,
  [ErrorCodes.invalidQuery]: 400,
  [ErrorCodes.invalidId]: 400,
  [ErrorCodes.invalidCursor]: 400,
  [ErrorCodes.idempotencyKeyReused]: 422,
  [ErrorCodes.invalidIdempotencyKey]: 400,
  [ErrorCodes.payloadTooLarge]: 413,
  [ErrorCodes.unsupportedMediaType]: 415,
  [ErrorCodes.batchTooLarge]: 400,
  [ErrorCodes.unauthorized]: 401,
  [ErrorCodes.forbidden]: 403,
  [ErrorCodes.rateLimited]: 429,
  [ErrorCodes.tooManyAttempts]: 429,
  [ErrorCodes.loginDisabled]: 503,
  [ErrorCodes.nameTaken]: 409,
  [ErrorCodes.lastOwner]: 409,
  [ErrorCodes.invalidMapping]: 400,
  [ErrorCodes.importNotOpen]: 409,
  [ErrorCodes.notFound]: 404,
  [ErrorCodes.preconditionRequired]: 428,
  [ErrorCodes.invalidPrecondition]: 400,
  [ErrorCodes.versionConflict]: 412,
  [ErrorCodes.identityConflict]: 409,
  [ErrorCodes.invalidEmail]: 400,
  [ErrorCodes.invalidPhone]: 400,
  [ErrorCodes.invalidCountry]: 400,
  [ErrorCodes.invalidOwner]: 400,
  [ErrorCodes.propertiesTooLarge]: 400,
  [ErrorCodes.methodNotAllowed]: 405,
  [ErrorCodes.unavailable]: 503,
  [ErrorCodes.internalError]: 500,
  [ErrorCodes.invalidCurrency]: 400,
  [ErrorCodes.invalidAmount]: 400,
  [ErrorCodes.tooManyDecimals]: 400,
  [ErrorCodes.amountOutOfRange]: 400,
  [ErrorCodes.unknownContact]: 422,
  [ErrorCodes.unknownLead]: 422,
  [ErrorCodes.unknownPipeline]: 422,
  [ErrorCodes.unknownStage]: 422,
  [ErrorCodes.stageInUse]: 409,
  [ErrorCodes.leadNotAttributed]: 409,
  [ErrorCodes.leadAlreadyConverted]: 409,
  [ErrorCodes.contactErased]: 410,
  [ErrorCodes.identityErased]: 409,
  [ErrorCodes.invalidRule]: 400,
  [ErrorCodes.invalidThresholds]: 400,
  [ErrorCodes.ruleExists]: 409,
  [ErrorCodes.mergeIntoSelf]: 409,
  [ErrorCodes.contactDeleted]: 409,
  [ErrorCodes.invalidSignature]: 401,
  [ErrorCodes.staleTimestamp]: 401,
  [ErrorCodes.eventNotRetryable]: 409,
  [ErrorCodes.invalidAutomation]: 400,
  [ErrorCodes.unsafeWebhookUrl]: 400,
  [ErrorCodes.unknownEventType]: 400,
  [ErrorCodes.deliveryInProgress]: 409,
};

/** A code no table entry knows is a bug on our side, never the sender's: 500. */
export function httpStatusOf(code: ErrorCode): number {
  return Object.hasOwn(HTTP_STATUS_BY_ERROR_CODE, code) ? HTTP_STATUS_BY_ERROR_CODE[code as KnownErrorCode] : 500;
}
