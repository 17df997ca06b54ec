/**
 * HubSpot's v3 request signature: `X-HubSpot-Signature-v3` = base64 HMAC-SHA256, keyed with the
 * app's client secret, of `method + uri + body + timestamp`, where the timestamp is
 * `X-HubSpot-Request-Timestamp` in Unix milliseconds and the uri is the full URL called, with the
 * characters HubSpot lists (`: / ? @ ! $ ' ( ) * , ;`) decoded when they arrive percent-encoded.
 * HubSpot rejects timestamps older than 5 minutes; we also reject those as far in the future.
 */
import { randomUUID } from 'node:crypto';
import { hmacSha256, isWithinToleranceMillis, matchingSecretIndex, parseUnixMillis, requireSecrets } from './hmac';
import { rejected, SignatureFailureCodes, type SignatureVerification, type VerifyOptions } from './signature-verification';
import { requiredHeader } from './webhook-headers';
import type { IncomingWebhook, WebhookSignatureScheme } from './webhook-signature-scheme';

export const HUBSPOT_SIGNATURE_HEADER = 'X-HubSpot-Signature-v3';
export const HUBSPOT_TIMESTAMP_HEADER = 'X-HubSpot-Request-Timestamp';

const DECODED_IN_URI: Readonly<Record<string, string>> = {
  '%3A': ':',
  '%2F': '/',
  '%3F': '?',
  '%40': '@',
  '%21': '!',
  '%24': '$',
  '%27': "'",
  '%28': '(',
  '%29': ')',
  '%2A': '*',
  '%2C': ',',
  '%3B': ';',
};

/** The uri as HubSpot signs it: only the listed escapes are decoded, every other byte stays as sent. */
export function hubspotSignedUri(url: string): string {
  return url.replace(/%(3A|2F|3F|40|21|24|27|28|29|2A|2C|3B)/gi, (escape) => DECODED_IN_URI[escape.toUpperCase()]);
}

export function hubspotSignature(
  request: { method: string; url: string; body: Buffer | string },
  timestampMillis: string,
  secret: string,
): string {
  return hmacSha256(
    Buffer.from(secret, 'utf8'),
    request.method.toUpperCase() + hubspotSignedUri(request.url),
    request.body,
    timestampMillis,
  ).toString('base64');
}

export function verifyHubspotWebhook(request: IncomingWebhook, secrets: readonly string[], options?: VerifyOptions): SignatureVerification {
  requireSecrets(secrets);
  const signature = requiredHeader(request.headers, HUBSPOT_SIGNATURE_HEADER);
  if (!signature.ok) return rejected(signature.code, signature.reason);
  const timestampHeader = requiredHeader(request.headers, HUBSPOT_TIMESTAMP_HEADER);
  if (!timestampHeader.ok) return rejected(timestampHeader.code, timestampHeader.reason);
  const timestamp = parseUnixMillis(timestampHeader.value);
  if (timestamp === null) {
    return rejected(SignatureFailureCodes.malformedHeader, `${HUBSPOT_TIMESTAMP_HEADER} is not a number of milliseconds`);
  }
  if (!isWithinToleranceMillis(timestamp, options)) {
    return rejected(SignatureFailureCodes.staleTimestamp, `${HUBSPOT_TIMESTAMP_HEADER} is outside the tolerance`);
  }
  const secretIndex = matchingSecretIndex(secrets.length, (index) => hubspotSignature(request, timestampHeader.value, secrets[index]), [
    signature.value,
  ]);
  if (secretIndex < 0) return rejected(SignatureFailureCodes.invalidSignature, 'the v3 signature does not match');
  return { ok: true, secretIndex, signedAt: new Date(timestamp), webhookId: null };
}

export const hubspotScheme: WebhookSignatureScheme = {
  kind: 'hubspot',
  verify: verifyHubspotWebhook,
  sign: (message, secrets, signedAt) => {
    requireSecrets(secrets);
    const timestamp = String(signedAt.getTime());
    return {
      [HUBSPOT_SIGNATURE_HEADER]: hubspotSignature(message, timestamp, secrets[0]),
      [HUBSPOT_TIMESTAMP_HEADER]: timestamp,
    };
  },
  // HubSpot client secrets are UUIDs; ours only sign simulated HubSpot requests.
  generateSecret: () => randomUUID(),
};
