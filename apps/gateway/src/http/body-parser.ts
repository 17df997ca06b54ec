import { AppException, ErrorCodes } from '@leadflow/contracts';
import { RouteConfig } from '@nestjs/platform-fastify';
import { MAX_BODY_BYTES, UnreadableBody } from '@leadflow/runtime';
import { errorCodes, type FastifyInstance, type FastifyRequest } from 'fastify';
import type { Readable } from 'node:stream';

const RAW_BODY = 'leadflow:raw-body';
const STREAMED_BODY = 'leadflow:streamed-body';
/** The content type whose body a `@StreamsBody()` route reads as a stream. */
export const STREAMED_CONTENT_TYPE = 'text/csv';

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
 * The route's handler reads a `text/csv` body itself, as a stream, with its own size limit (CSV
 * imports): nothing is buffered before the handler, which runs after the guard.
 */
export const StreamsBody = () => RouteConfig({ [STREAMED_BODY]: true });

function streamsBody(request: FastifyRequest): boolean {
  return Reflect.get(request.routeOptions.config ?? {}, STREAMED_BODY) === true;
}

/** The body stream on a `@StreamsBody()` route; undefined when the body was not `text/csv`. */
export function bodyStream(request: FastifyRequest): Readable | undefined {
  const body = request.body as { pipe?: unknown; on?: unknown } | undefined;
  return body && typeof body.pipe === 'function' && typeof body.on === 'function' ? (request.body as Readable) : undefined;
}

/**
 * How much of a body over the limit is still read (and dropped) before the 413 is sent. A sender
 * that is still writing when the server closes the connection gets a reset instead of the answer,
 * and a sender that retries blindly would retry a reset forever; bodies declared larger than this
 * are refused at once.
 */
export const DRAIN_LIMIT_BYTES = 8 * MAX_BODY_BYTES;

/**
 * The whole body, at most `limit` bytes (413 above, 400 on a short body). A body over the limit is
 * read to its end and dropped before the refusal, up to `DRAIN_LIMIT_BYTES`.
 */
function readWhole(request: FastifyRequest, payload: Readable, limit: number, done: (error: Error | null, body?: Buffer) => void): void {
  const declared = Number(request.headers['content-length']);
  if (declared > DRAIN_LIMIT_BYTES) return done(new errorCodes.FST_ERR_CTP_BODY_TOO_LARGE());
  let chunks: Buffer[] = [];
  let received = 0;
  let settled = false;
  const settle = (error: Error | null, body?: Buffer): void => {
    if (settled) return;
    settled = true;
    payload.removeListener('data', onData);
    payload.removeListener('end', onEnd);
    done(error, body);
  };
  const onData = (chunk: Buffer): void => {
    received += chunk.length;
    if (received > DRAIN_LIMIT_BYTES) return settle(new errorCodes.FST_ERR_CTP_BODY_TOO_LARGE());
    if (received > limit) chunks = [];
    else chunks.push(chunk);
  };
  const onEnd = (): void => {
    if (received > limit) return settle(new errorCodes.FST_ERR_CTP_BODY_TOO_LARGE());
    if (!Number.isNaN(declared) && declared !== received) return settle(new errorCodes.FST_ERR_CTP_INVALID_CONTENT_LENGTH());
    settle(null, Buffer.concat(chunks));
  };
  payload.on('data', onData);
  payload.on('end', onEnd);
  payload.once('error', (error) => settle(Object.assign(error, { statusCode: 400 })));
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
 * everywhere else. The 1 MiB limit applies to both (413). `text/csv` on a `@StreamsBody()` route
 * is the exception: its handler reads the stream.
 */
export function registerBodyParsers(fastify: FastifyInstance): void {
  fastify.removeAllContentTypeParsers();
  fastify.addContentTypeParser('*', (request, payload, done) =>
    readWhole(request, payload, MAX_BODY_BYTES, (error, body = Buffer.alloc(0)) => {
      if (error) return done(error, undefined);
      // No route answers (404): nothing reads the body.
      if (request.routeOptions.url === undefined) return done(null, undefined);
      done(null, readsRawBody(request) ? body : jsonObjectBody(request, body));
    }),
  );
  // CSV reaches a `@StreamsBody()` route as the request stream; elsewhere it is read as any body.
  fastify.addContentTypeParser(STREAMED_CONTENT_TYPE, (request, payload, done) => {
    if (request.routeOptions.url === undefined) return done(null, undefined);
    if (streamsBody(request)) return done(null, payload);
    readWhole(request, payload, MAX_BODY_BYTES, (error, body = Buffer.alloc(0)) =>
      error ? done(error, undefined) : done(null, readsRawBody(request) ? body : jsonObjectBody(request, body)),
    );
  });
}
