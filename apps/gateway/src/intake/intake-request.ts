import { type IntakeRequestMeta } from '@leadflow/contracts';
import type { FastifyRequest } from 'fastify';
import { keptHeaders } from '../http/kept-headers';
import type { Principal } from '../auth/principal';

/** Headers kept beside a raw lead: who sent it, from where, and how. */
const KEPT_HEADERS = [
  'content-type',
  'content-length',
  'content-encoding',
  'user-agent',
  'referer',
  'origin',
  'x-forwarded-for',
  'x-real-ip',
  'x-request-id',
  'idempotency-key',
] as const;

/** What the gateway records about an intake request; the workspace and source come from the sender's key. */
export function intakeMeta(request: FastifyRequest, sender: Principal): IntakeRequestMeta {
  return {
    workspaceId: sender.workspaceId,
    source: sender.source,
    receivedAt: new Date().toISOString(),
    contentType: request.headers['content-type'] ?? '',
    headers: keptHeaders(request, KEPT_HEADERS),
    remoteAddress: request.ip ?? null,
  };
}
