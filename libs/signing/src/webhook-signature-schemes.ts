import { acmeScheme } from './acme-signature';
import { hubspotScheme } from './hubspot-signature';
import { standardWebhooksScheme } from './standard-webhooks';
import { stripeScheme } from './stripe-signature';
import type { WebhookSignatureKind, WebhookSignatureScheme } from './webhook-signature-scheme';

/** Every scheme by the integration kind that selects it. */
export const webhookSignatureSchemes: Readonly<Record<WebhookSignatureKind, WebhookSignatureScheme>> = {
  standard: standardWebhooksScheme,
  stripe: stripeScheme,
  hubspot: hubspotScheme,
  acme: acmeScheme,
};

export function webhookSignatureScheme(kind: WebhookSignatureKind): WebhookSignatureScheme {
  return webhookSignatureSchemes[kind];
}
