import { AppException, ErrorCodes } from '@leadflow/contracts';
import { RouteConfig } from '@nestjs/platform-fastify';
import { UnreadableBody } from '@leadflow/runtime';
import type { FastifyInstance, FastifyRequest } from 'fastify';

const RAW_BODY = 'leadflow:raw-body';

/**
 * The route's handler reads the body as the bytes that were sent, whatever their content type
 * (intake stores them as received and decides itself what it accepts; later, webhook signatures).
 */
export const ReadsRawBody = () => RouteConfig({ [RAW_BODY]: true });

const MERGE_PATCH = 'leadflow:merge-patch';

/**
 * The route's body is an RFC 7396 JSON Merge Patch: a JSON object sent as
 * `application/merge-patch+json`, the only content type it accepts (415 for any other, plain
 * `application/json` included, since a merge patch and a JSON document mean different things).
 */
export const TakesMergePatch = () => RouteConfig({ [MERGE_PATCH]: true });

function takesMergePatch(request: FastifyRequest): boolean {
  return Reflect.get(request.routeOptions.config ?? {}, MERGE_PATCH) === true;
}

function readsRawBody(request: FastifyRequest): boolean {
  return Reflect.get(request.routeOptions.config ?? {}, RAW_BODY) === true;
}

/** The body bytes as received, on a route marked `@ReadsRawBody()`. */
export function rawBody(request: FastifyRequest): Buffer {
  return Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
}

/**
 * A JSON object, for the handler's `@Body()` DTO (validated by the global pipe). A body that is not
 * one becomes an `UnreadableBody`, raised only after the guard: 415 for another content type (a
 * body without one is read as JSON), 400 `invalid_payload` for broken JSON or another JSON value.
 */
function jsonObjectBody(request: FastifyRequest, bytes: Buffer): unknown {
  const mergePatch = takesMergePatch(request);
  const contentType = String(request.headers['content-type'] ?? (mergePatch ? '' : 'application/json')).toLowerCase();
  if (mergePatch && !/^application\/merge-patch\+json\s*(;|$)/.test(contentType)) {
    return new UnreadableBody(new AppException(ErrorCodes.unsupportedMediaType, 'Send a JSON Merge Patch as application/merge-patch+json'));
  }
  if (!mergePatch && !/^application\/json\s*(;|$)/.test(contentType)) {
    return new UnreadableBody(new AppException(ErrorCodes.unsupportedMediaType, 'Send application/json'));
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(bytes.toString('utf8'));
  } catch {
    return new UnreadableBody(new AppException(ErrorCodes.invalidPayload, 'The body is not valid JSON'));
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    return new UnreadableBody(new AppException(ErrorCodes.invalidPayload, 'The body must be a JSON object'));
  }
  return parsed;
}

/**
 * One parser for every content type: the bytes as sent on `@ReadsRawBody()` routes, a JSON object
 * everywhere else. The 1 MiB limit applies to both (413).
 */
export function registerBodyParsers(fastify: FastifyInstance): void {
  fastify.removeAllContentTypeParsers();
  fastify.addContentTypeParser('*', { parseAs: 'buffer' }, (request, body: Buffer, done) => {
    // No route answers (404): nothing reads the body.
    if (request.routeOptions.url === undefined) return done(null, undefined);
    done(null, readsRawBody(request) ? body : jsonObjectBody(request, body));
  });
}
