import cors from '@fastify/cors';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import helmet from 'helmet';

/** Request headers a browser client may send, and response headers it may read. */
const ALLOWED_HEADERS = ['Content-Type', 'Authorization', 'X-Api-Key', 'Idempotency-Key', 'X-Request-Id', 'If-Match'];
const EXPOSED_HEADERS = [
  'X-Request-Id',
  'Retry-After',
  'Idempotent-Replayed',
  'RateLimit-Limit',
  'RateLimit-Remaining',
  'RateLimit-Reset',
  'ETag',
  'Location',
];

/**
 * Security headers on every answer (helmet's defaults; the API docs page may use inline styles), and
 * CORS for the origins `CORS_ORIGINS` lists (none by default: browsers on other origins are refused).
 * Helmet's middleware is built once, at start: its headers do not change from one request to the
 * next (no CSP nonces), and the Fastify plugin builds it again for every request.
 */
export async function hardenHttp(app: NestFastifyApplication, corsOrigins: string): Promise<void> {
  const securityHeaders = helmet({
    contentSecurityPolicy: {
      directives: { 'style-src': ["'self'", "'unsafe-inline'"], 'img-src': ["'self'", 'data:'] },
    },
  });
  app
    .getHttpAdapter()
    .getInstance()
    .addHook('onRequest', (request, reply, done) =>
      securityHeaders(request.raw, reply.raw, (error?: unknown) => done(error as Error | undefined)),
    );
  const origins = corsOrigins
    .split(',')
    .map((origin) => origin.trim())
    .filter((origin) => origin !== '');
  if (origins.length === 0) return;
  await app.register(cors, {
    origin: origins.includes('*') ? '*' : origins,
    methods: ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'],
    allowedHeaders: ALLOWED_HEADERS,
    exposedHeaders: EXPOSED_HEADERS,
    maxAge: 600,
  });
}
