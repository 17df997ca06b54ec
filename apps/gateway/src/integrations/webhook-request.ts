import type { FastifyRequest } from 'fastify';
import { keptHeaders } from '../http/kept-headers';

/** Headers kept beside a received webhook: every scheme's, and who sent it from where. */
const KEPT_HEADERS = [
  'content-type',
  'content-length',
  'user-agent',
  'x-forwarded-for',
  'x-request-id',
  'webhook-id',
  'webhook-timestamp',
  'webhook-signature',
  'stripe-signature',
  'x-acme-signature',
  'x-acme-timestamp',
  'x-hubspot-signature-v3',
  'x-hubspot-request-timestamp',
] as const;

export function webhookHeaders(request: FastifyRequest): Record<string, string> {
  return keptHeaders(request, KEPT_HEADERS);
}

function firstValue(value: string | string[] | undefined): string | undefined {
  const first = Array.isArray(value) ? value[0] : value;
  return first?.split(',')[0]?.trim() || undefined;
}

/** Scheme and host the caller used: behind a proxy, the forwarded ones (HubSpot signs the full URL). */
export function requestBaseUrl(request: FastifyRequest): string {
  const protocol = firstValue(request.headers['x-forwarded-proto']) ?? request.protocol;
  const host = firstValue(request.headers['x-forwarded-host']) ?? request.headers.host ?? 'localhost';
  return `${protocol}://${host}`;
}
