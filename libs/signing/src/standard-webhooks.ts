/**
 * Standard Webhooks (standardwebhooks.com): `webhook-id`, `webhook-timestamp` (Unix seconds) and
 * `webhook-signature: v1,<base64 HMAC-SHA256>` over `${id}.${timestamp}.${body}`, several
 * space-separated signatures allowed. Secrets are `whsec_<base64 key>`. Inbound integrations of
 * kind `standard` and our own outbound deliveries use it.
 */
import { randomBytes } from 'node:crypto';
import { hmacSha256, isWithinToleranceSeconds, matchingSecretIndex, parseUnixSeconds, requireSecrets } from './hmac';
import {
  rejected,
  SignatureFailureCodes,
  SigningConfigurationException,
  type SignatureVerification,
  type VerifyOptions,
} from './signature-verification';
import { requiredHeader, type WebhookHeaders } from './webhook-headers';
import type { IncomingWebhook, OutgoingWebhook, WebhookSignatureScheme } from './webhook-signature-scheme';

export const STANDARD_WEBHOOK_HEADERS = {
  id: 'webhook-id',
  timestamp: 'webhook-timestamp',
  signature: 'webhook-signature',
} as const;

export const STANDARD_WEBHOOK_SECRET_PREFIX = 'whsec_';

/** The spec asks for 24 to 64 bytes of key; 32 is what its reference implementations generate. */
const GENERATED_KEY_BYTES = 32;
/** Bounds the work one request can cause: a sender rotating keys sends two or three signatures, not dozens. */
const MAX_SIGNATURES = 16;
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

// A type, not an interface, so that it is assignable to `WebhookHeaders` and to fetch's headers.
export type StandardWebhookHeaders = {
  'webhook-id': string;
  'webhook-timestamp': string;
  'webhook-signature': string;
};

/** A new `whsec_` secret: 32 random bytes, base64. */
export function generateStandardWebhookSecret(): string {
  return STANDARD_WEBHOOK_SECRET_PREFIX + randomBytes(GENERATED_KEY_BYTES).toString('base64');
}

/** The key bytes of a `whsec_<base64>` secret (the prefix is optional, as in the reference libraries). */
export function standardWebhookKey(secret: string): Buffer {
  const encoded = secret.startsWith(STANDARD_WEBHOOK_SECRET_PREFIX) ? secret.slice(STANDARD_WEBHOOK_SECRET_PREFIX.length) : secret;
  if (encoded === '' || !BASE64.test(encoded)) {
    throw new SigningConfigurationException('a Standard Webhooks secret must be whsec_ followed by base64');
  }
  return Buffer.from(encoded, 'base64');
}

/** `v1,<base64>` for one message and one secret. */
export function standardWebhookSignature(id: string, signedAt: Date, body: Buffer | string, secret: string): string {
  const timestamp = Math.floor(signedAt.getTime() / 1000);
  return `v1,${hmacSha256(standardWebhookKey(secret), `${id}.${timestamp}.`, body).toString('base64')}`;
}

/** The three headers of one delivery, signed with every secret given (old and new during a rotation). */
export function signStandardWebhook(
  message: { id: string; body: Buffer | string },
  secrets: readonly string[],
  signedAt: Date,
): StandardWebhookHeaders {
  requireSecrets(secrets);
  if (message.id === '') throw new SigningConfigurationException('a Standard Webhooks message needs an id');
  return {
    'webhook-id': message.id,
    'webhook-timestamp': String(Math.floor(signedAt.getTime() / 1000)),
    'webhook-signature': secrets.map((secret) => standardWebhookSignature(message.id, signedAt, message.body, secret)).join(' '),
  };
}

/** Checks a received message against each secret; see `WebhookSignatureScheme.verify`. */
export function verifyStandardWebhook(
  headers: WebhookHeaders,
  body: Buffer,
  secrets: readonly string[],
  options?: VerifyOptions,
): SignatureVerification {
  requireSecrets(secrets);
  const keys = secrets.map(standardWebhookKey);
  const id = requiredHeader(headers, STANDARD_WEBHOOK_HEADERS.id);
  if (!id.ok) return rejected(id.code, id.reason);
  const timestampHeader = requiredHeader(headers, STANDARD_WEBHOOK_HEADERS.timestamp);
  if (!timestampHeader.ok) return rejected(timestampHeader.code, timestampHeader.reason);
  const signatureHeader = requiredHeader(headers, STANDARD_WEBHOOK_HEADERS.signature);
  if (!signatureHeader.ok) return rejected(signatureHeader.code, signatureHeader.reason);

  const timestamp = parseUnixSeconds(timestampHeader.value);
  if (timestamp === null) {
    return rejected(SignatureFailureCodes.malformedHeader, 'webhook-timestamp is not a number of seconds');
  }
  const entries = signatureHeader.value.split(' ').filter((entry) => entry !== '');
  if (entries.length > MAX_SIGNATURES) {
    return rejected(SignatureFailureCodes.malformedHeader, `webhook-signature carries more than ${MAX_SIGNATURES} signatures`);
  }
  // Other versions (v1a: asymmetric) are skipped, as the spec asks, so a sender may add them.
  const candidates = entries.filter((entry) => entry.startsWith('v1,')).map((entry) => entry.slice(3));
  if (candidates.length === 0) {
    return rejected(SignatureFailureCodes.malformedHeader, 'webhook-signature carries no v1 signature');
  }
  if (!isWithinToleranceSeconds(timestamp, options)) {
    return rejected(SignatureFailureCodes.staleTimestamp, 'webhook-timestamp is outside the tolerance');
  }
  const secretIndex = matchingSecretIndex(
    keys.length,
    (index) => hmacSha256(keys[index], `${id.value}.${timestampHeader.value}.`, body).toString('base64'),
    candidates,
  );
  if (secretIndex < 0) return rejected(SignatureFailureCodes.invalidSignature, 'no v1 signature matches');
  return { ok: true, secretIndex, signedAt: new Date(timestamp * 1000), webhookId: id.value };
}

export const standardWebhooksScheme: WebhookSignatureScheme = {
  kind: 'standard',
  verify: (request: IncomingWebhook, secrets, options) => verifyStandardWebhook(request.headers, request.body, secrets, options),
  sign: (message: OutgoingWebhook, secrets, signedAt) => signStandardWebhook(message, secrets, signedAt),
  generateSecret: generateStandardWebhookSecret,
};
