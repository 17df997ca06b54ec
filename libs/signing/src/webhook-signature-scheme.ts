/** The one shape every signature scheme has, so the gateway can pick a scheme by an integration's kind. */
import type { SignatureVerification, VerifyOptions } from './signature-verification';
import type { WebhookHeaders } from './webhook-headers';

/** An HTTP request as it arrived, with the body's bytes untouched. */
export interface IncomingWebhook {
  /** The HTTP method as sent, e.g. `POST`. */
  method: string;
  /**
   * The full URL the sender called, scheme and host included (`https://api.example.com/api/v1/webhooks/…?…`).
   * Only HubSpot signs it; behind a proxy the gateway rebuilds it from the forwarded host and protocol.
   */
  url: string;
  headers: WebhookHeaders;
  body: Buffer;
}

/** A request we are about to send (outbound deliveries, the simulator). */
export interface OutgoingWebhook {
  /** The message id: sent as `webhook-id` by Standard Webhooks, the same on every retry of one message. */
  id: string;
  method: string;
  url: string;
  body: Buffer | string;
}

export interface WebhookSignatureScheme {
  readonly kind: WebhookSignatureKind;
  /**
   * Checks the request's signature against each secret (several during a rotation), in constant
   * time per comparison, and its timestamp against the tolerance. Never throws for anything the
   * sender controls; throws `SigningConfigurationException` when our secrets or options are wrong.
   */
  verify(request: IncomingWebhook, secrets: readonly string[], options?: VerifyOptions): SignatureVerification;
  /**
   * The headers that sign `message` at `signedAt`. Secrets come newest first: schemes that carry
   * several signatures sign with each of them, schemes that carry one sign with the first.
   */
  sign(message: OutgoingWebhook, secrets: readonly string[], signedAt: Date): Record<string, string>;
  /** A new random secret in the format this scheme's senders use. */
  generateSecret(): string;
}

export const WEBHOOK_SIGNATURE_KINDS = ['standard', 'stripe', 'hubspot', 'acme'] as const;
export type WebhookSignatureKind = (typeof WEBHOOK_SIGNATURE_KINDS)[number];

export function isWebhookSignatureKind(value: string): value is WebhookSignatureKind {
  return (WEBHOOK_SIGNATURE_KINDS as readonly string[]).includes(value);
}
