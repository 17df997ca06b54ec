/**
 * AcmeCRM's scheme, as LeadFlow defines it for AcmeCRM senders: `X-Acme-Timestamp` is Unix seconds
 * and `X-Acme-Signature` is the hex HMAC-SHA256, keyed with the secret's UTF-8 bytes, of
 * `${timestamp}.${body}` (the raw body bytes). The timestamp is inside the signed bytes so that
 * an old request cannot be replayed with a fresh timestamp. One signature per request.
 */
import { randomBytes } from 'node:crypto';
import { hmacSha256, isWithinToleranceSeconds, matchingSecretIndex, parseUnixSeconds, requireSecrets } from './hmac';
import { rejected, SignatureFailureCodes, type SignatureVerification, type VerifyOptions } from './signature-verification';
import { requiredHeader, type WebhookHeaders } from './webhook-headers';
import type { WebhookSignatureScheme } from './webhook-signature-scheme';

export const ACME_SIGNATURE_HEADER = 'X-Acme-Signature';
export const ACME_TIMESTAMP_HEADER = 'X-Acme-Timestamp';

export function acmeSignature(timestamp: string, body: Buffer | string, secret: string): string {
  return hmacSha256(Buffer.from(secret, 'utf8'), `${timestamp}.`, body).toString('hex');
}

export function signAcmeWebhook(body: Buffer | string, secret: string, signedAt: Date): Record<string, string> {
  requireSecrets([secret]);
  const timestamp = String(Math.floor(signedAt.getTime() / 1000));
  return { [ACME_SIGNATURE_HEADER]: acmeSignature(timestamp, body, secret), [ACME_TIMESTAMP_HEADER]: timestamp };
}

export function verifyAcmeWebhook(
  headers: WebhookHeaders,
  body: Buffer,
  secrets: readonly string[],
  options?: VerifyOptions,
): SignatureVerification {
  requireSecrets(secrets);
  const signature = requiredHeader(headers, ACME_SIGNATURE_HEADER);
  if (!signature.ok) return rejected(signature.code, signature.reason);
  const timestampHeader = requiredHeader(headers, ACME_TIMESTAMP_HEADER);
  if (!timestampHeader.ok) return rejected(timestampHeader.code, timestampHeader.reason);
  const timestamp = parseUnixSeconds(timestampHeader.value);
  if (timestamp === null) {
    return rejected(SignatureFailureCodes.malformedHeader, `${ACME_TIMESTAMP_HEADER} is not a number of seconds`);
  }
  if (!isWithinToleranceSeconds(timestamp, options)) {
    return rejected(SignatureFailureCodes.staleTimestamp, `${ACME_TIMESTAMP_HEADER} is outside the tolerance`);
  }
  const secretIndex = matchingSecretIndex(secrets.length, (index) => acmeSignature(timestampHeader.value, body, secrets[index]), [
    signature.value.toLowerCase(),
  ]);
  if (secretIndex < 0) return rejected(SignatureFailureCodes.invalidSignature, 'the signature does not match');
  return { ok: true, secretIndex, signedAt: new Date(timestamp * 1000), webhookId: null };
}

export const acmeScheme: WebhookSignatureScheme = {
  kind: 'acme',
  verify: (request, secrets, options) => verifyAcmeWebhook(request.headers, request.body, secrets, options),
  sign: (message, secrets, signedAt) => {
    requireSecrets(secrets);
    return signAcmeWebhook(message.body, secrets[0], signedAt);
  },
  generateSecret: () => randomBytes(32).toString('hex'),
};
