export * from './acme-signature';
export { constantTimeEqual, hmacSha256 } from './hmac';
export * from './hubspot-signature';
export * from './signature-verification';
export * from './standard-webhooks';
export * from './stripe-signature';
export type { WebhookHeaders } from './webhook-headers';
export * from './webhook-signature-scheme';
export * from './webhook-signature-schemes';
