import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';

/**
 * Logs every HTTP route the gateway registers, once it is ready (`http routes`, debug level): what
 * an operator reviews before exposing it.
 */
export function logRouteTable(fastify: FastifyInstance, logger: Logger): void {
  const routes: string[] = [];
  fastify.addHook('onRoute', (route) => {
    for (const method of [route.method].flat()) routes.push(`${method} ${route.url}`);
  });
  fastify.addHook('onReady', (done) => {
    logger.debug({ routes: [...new Set(routes)].sort() }, 'http routes');
    done();
  });
}
