/**
 * Stripe's scheme: `Stripe-Signature: t=<Unix seconds>,v1=<hex HMAC-SHA256>[,v1=…]` over
 * `${t}.${body}`, keyed with the endpoint secret's UTF-8 bytes (`whsec_…` as it is, not decoded).
 * Other schemes in the header (`v0`, test-mode) are ignored, as Stripe's own library does.
 */
import { randomBytes } from 'node:crypto';
import { hmacSha256, isWithinToleranceSeconds, matchingSecretIndex, parseUnixSeconds, requireSecrets } from './hmac';
import { rejected, SignatureFailureCodes, type SignatureVerification, type VerifyOptions } from './signature-verification';
import { requiredHeader, type WebhookHeaders } from './webhook-headers';
import type { WebhookSignatureScheme } from './webhook-signature-scheme';

export const STRIPE_SIGNATURE_HEADER = 'Stripe-Signature';

const MAX_SIGNATURES = 16;

export function stripeSignature(timestamp: number, body: Buffer | string, secret: string): string {
  return hmacSha256(Buffer.from(secret, 'utf8'), `${timestamp}.`, body).toString('hex');
}

/** The `Stripe-Signature` value for `body`, with one `v1` per secret. */
export function signStripeWebhook(body: Buffer | string, secrets: readonly string[], signedAt: Date): string {
  requireSecrets(secrets);
  const timestamp = Math.floor(signedAt.getTime() / 1000);
  return [`t=${timestamp}`, ...secrets.map((secret) => `v1=${stripeSignature(timestamp, body, secret)}`)].join(',');
}

export function verifyStripeWebhook(
  headers: WebhookHeaders,
  body: Buffer,
  secrets: readonly string[],
  options?: VerifyOptions,
): SignatureVerification {
  requireSecrets(secrets);
  const header = requiredHeader(headers, STRIPE_SIGNATURE_HEADER);
  if (!header.ok) return rejected(header.code, header.reason);

  const timestamps: string[] = [];
  const candidates: string[] = [];
  for (const item of header.value.split(',')) {
    const separator = item.indexOf('=');
    if (separator < 0) continue;
    const key = item.slice(0, separator).trim();
    const value = item.slice(separator + 1).trim();
    if (key === 't') timestamps.push(value);
    // Hex is compared in lower case, as it is computed.
    else if (key === 'v1') candidates.push(value.toLowerCase());
  }
  if (timestamps.length !== 1) {
    return rejected(SignatureFailureCodes.malformedHeader, 'Stripe-Signature must carry exactly one t=');
  }
  const timestamp = parseUnixSeconds(timestamps[0]);
  if (timestamp === null) return rejected(SignatureFailureCodes.malformedHeader, 'Stripe-Signature t= is not a number of seconds');
  if (candidates.length === 0) return rejected(SignatureFailureCodes.malformedHeader, 'Stripe-Signature carries no v1 signature');
  if (candidates.length > MAX_SIGNATURES) {
    return rejected(SignatureFailureCodes.malformedHeader, `Stripe-Signature carries more than ${MAX_SIGNATURES} signatures`);
  }
  if (!isWithinToleranceSeconds(timestamp, options)) {
    return rejected(SignatureFailureCodes.staleTimestamp, 'Stripe-Signature t= is outside the tolerance');
  }
  const secretIndex = matchingSecretIndex(
    secrets.length,
    (index) => hmacSha256(Buffer.from(secrets[index], 'utf8'), `${timestamps[0]}.`, body).toString('hex'),
    candidates,
  );
  if (secretIndex < 0) return rejected(SignatureFailureCodes.invalidSignature, 'no v1 signature matches');
  return { ok: true, secretIndex, signedAt: new Date(timestamp * 1000), webhookId: null };
}

export const stripeScheme: WebhookSignatureScheme = {
  kind: 'stripe',
  verify: (request, secrets, options) => verifyStripeWebhook(request.headers, request.body, secrets, options),
  sign: (message, secrets, signedAt) => ({ [STRIPE_SIGNATURE_HEADER]: signStripeWebhook(message.body, secrets, signedAt) }),
  // Stripe issues these; ours only sign simulated Stripe events, in the same shape.
  generateSecret: () => `whsec_${randomBytes(24).toString('base64url')}`,
};
