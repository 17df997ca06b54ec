import type { FastifyInstance } from 'fastify';

/**
 * Every request body reaches the handlers as the bytes that were sent, whatever its content type:
 * intake stores them as received and decides itself what it accepts, so that nothing is refused
 * before it is kept. The 1 MiB limit still applies (413).
 */
export function registerRawBodyParser(fastify: FastifyInstance): void {
  fastify.removeAllContentTypeParsers();
  fastify.addContentTypeParser('*', { parseAs: 'buffer' }, (_request, body, done) => done(null, body));
}
