import type { FastifyRequest } from 'fastify';

const MAX_HEADER_VALUE = 1024;

/**
 * The request's headers among `names` (lower-case), as stored beside what was received: a header
 * sent twice joined with ", ", each value cut at 1 KiB.
 */
export function keptHeaders(request: FastifyRequest, names: readonly string[]): Record<string, string> {
  const kept: Record<string, string> = {};
  for (const name of names) {
    const value = request.headers[name];
    if (value === undefined) continue;
    kept[name] = (Array.isArray(value) ? value.join(', ') : value).slice(0, MAX_HEADER_VALUE);
  }
  return kept;
}
