/**
 * What verifying a signed webhook can answer. The codes are stable: the gateway maps them to its
 * HTTP answers (401 `invalid_signature`, 401 `stale_timestamp`, ...) and stores them for audit.
 */
export const SignatureFailureCodes = {
  /** A header the scheme requires (signature, timestamp, id) is absent or empty. */
  missingSignature: 'missing_signature',
  /** A required header is present but cannot be read (not a number, no signature of a known version, repeated). */
  malformedHeader: 'malformed_header',
  /** The signed timestamp is further from now than the tolerance, in either direction. */
  staleTimestamp: 'stale_timestamp',
  /** No signature in the request matches any of the secrets. */
  invalidSignature: 'invalid_signature',
} as const;
export type SignatureFailureCode = (typeof SignatureFailureCodes)[keyof typeof SignatureFailureCodes];

export interface SignatureVerified {
  ok: true;
  /** Index of the secret that matched: a match on an older secret tells that a rotation is not finished. */
  secretIndex: number;
  /** The timestamp the sender signed. */
  signedAt: Date;
  /** The sender's message id, for schemes that carry one (`webhook-id`); null otherwise. */
  webhookId: string | null;
}

export interface SignatureRejected {
  ok: false;
  code: SignatureFailureCode;
  /** For logs and the audit record; never includes a secret or an expected signature. */
  reason: string;
}

export type SignatureVerification = SignatureVerified | SignatureRejected;

export function rejected(code: SignatureFailureCode, reason: string): SignatureRejected {
  return { ok: false, code, reason };
}

/** A rejected verification as an exception, for callers that prefer to throw. */
export class SignatureVerificationException extends Error {
  constructor(
    readonly code: SignatureFailureCode,
    message: string,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

export function assertVerified(verification: SignatureVerification): SignatureVerified {
  if (!verification.ok) throw new SignatureVerificationException(verification.code, verification.reason);
  return verification;
}

/**
 * Our own configuration is wrong (no secret, a secret that is not in the scheme's format, a
 * tolerance that is not a positive number): a server fault, never the sender's.
 */
export class SigningConfigurationException extends Error {
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

/** Five minutes, the window every scheme here documents. */
export const DEFAULT_TOLERANCE_SECONDS = 300;

export interface VerifyOptions {
  /** The time to compare the signed timestamp with; defaults to the current time. */
  now?: Date;
  /** How far the signed timestamp may be from `now`, in the past or the future; default 300 s. */
  toleranceSeconds?: number;
}
