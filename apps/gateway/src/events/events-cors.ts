import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

/** The routes browser trackers call: ours and the Segment-compatible ones. */
const EVENT_ROUTES = /^\/(?:v1\/(?:track|identify|page|alias|batch)|api\/v1\/events(?:\/batch)?)\/?$/;

export function isEventRoute(url: string): boolean {
  return EVENT_ROUTES.test(url.split('?', 1)[0] ?? '');
}

/**
 * CORS for the event routes, whatever `CORS_ORIGINS` says: a preflight carries no credential, so it
 * is answered for any origin; the request itself is then let in only from the origins its browser
 * key lists (the access guard answers 403 `origin_not_allowed` otherwise). Other routes keep the
 * gateway's CORS policy.
 */
export function registerEventsCors(fastify: FastifyInstance): void {
  fastify.addHook('onRequest', async (request: FastifyRequest, reply: FastifyReply) => {
    const origin = request.headers.origin;
    if (origin === undefined || !isEventRoute(request.url)) return;
    void reply.header('Access-Control-Allow-Origin', origin);
    void reply.header('Vary', 'Origin');
    void reply.header('Access-Control-Expose-Headers', 'Retry-After, X-Request-Id');
    if (request.method === 'OPTIONS' && request.headers['access-control-request-method'] !== undefined) {
      void reply.header('Access-Control-Allow-Methods', 'POST, OPTIONS');
      void reply.header('Access-Control-Allow-Headers', 'Authorization, Content-Type, X-Api-Key, X-Request-Id');
      void reply.header('Access-Control-Max-Age', '600');
      return reply.code(204).send();
    }
  });
}
