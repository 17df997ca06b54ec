import { AppException, type ErrorCode, ErrorCodes, isRpcErrorBody, type RpcErrorBody } from '@leadflow/contracts';
import { currentRequestId } from '@leadflow/logging';
import { type ArgumentsHost, Catch, type ExceptionFilter, HttpException } from '@nestjs/common';
import { RpcException } from '@nestjs/microservices';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import { type Observable, throwError } from 'rxjs';
import { httpStatusOf } from './error-statuses';

/** The codes of the framework's own HTTP errors, which come with a status instead of a code. */
const CODES_BY_STATUS: Record<number, string> = {
  400: ErrorCodes.validationFailed,
  401: ErrorCodes.unauthorized,
  403: ErrorCodes.forbidden,
  404: ErrorCodes.notFound,
  405: ErrorCodes.methodNotAllowed,
  413: ErrorCodes.payloadTooLarge,
  415: ErrorCodes.unsupportedMediaType,
  429: ErrorCodes.rateLimited,
  503: ErrorCodes.unavailable,
};

const FASTIFY_MESSAGES: Record<string, string> = {
  FST_ERR_CTP_BODY_TOO_LARGE: 'The request body is larger than 1 MiB',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'This content type is not accepted',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'The request body is empty',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'Content-Length does not match the body',
};

function fastifyMessage(error: { code: string; message: string }): string {
  return FASTIFY_MESSAGES[error.code] ?? 'The request could not be read';
}

function messageOf(exception: HttpException): string {
  const response = exception.getResponse();
  if (typeof response === 'object' && response !== null && 'message' in response) {
    const message = (response as { message: unknown }).message;
    if (Array.isArray(message)) return message.join('; ');
    if (typeof message === 'string') return message;
  }
  return exception.message;
}

/**
 * Renders the error body for a route whose clients expect their own shape; undefined keeps the
 * standard `{ error: { code, message, requestId } }`.
 */
export type ErrorBodyRenderer = (route: string | undefined, error: RpcErrorBody, requestId: string | undefined) => object | undefined;

/** Fastify's own errors (body too large, bad content type, ...) carry a 4xx status and an FST_ code. */
function isFastifyClientError(error: unknown): error is { statusCode: number; message: string; code: string } {
  if (typeof error !== 'object' || error === null) return false;
  const candidate = error as { statusCode?: unknown; code?: unknown };
  return (
    typeof candidate.statusCode === 'number' &&
    candidate.statusCode >= 400 &&
    candidate.statusCode < 500 &&
    typeof candidate.code === 'string' &&
    candidate.code.startsWith('FST_')
  );
}

const CONNECTION_ERRNOS = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH']);

/**
 * A database that went away (refused, reset, shut down, pool timeout) is an outage, not a bug:
 * callers get 503 and retry rather than a 500.
 */
export function isDependencyOutage(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const { code, message } = error as { code?: unknown; message?: unknown };
  if (typeof code === 'string' && (CONNECTION_ERRNOS.has(code) || code.startsWith('08') || code === '57P01' || code === '57P03'))
    return true;
  return typeof message === 'string' && /Connection terminated|connection timeout|timeout exceeded when trying to connect/i.test(message);
}

/** A failure as the filter sees it: the body every transport sends, and the status HTTP answers with. */
interface Failure {
  body: RpcErrorBody;
  status: number;
}

/**
 * Maps every failure to a stable code, for HTTP bodies and RPC error replies alike; only the HTTP
 * answer carries a status, the code's (HTTP_STATUS_BY_ERROR_CODE). Unknown errors are logged with
 * their stack and leave as `internal_error` with no internals.
 */
@Catch()
export class AppExceptionFilter implements ExceptionFilter {
  constructor(
    private readonly logger: Logger,
    private readonly renderBody?: ErrorBodyRenderer,
  ) {}

  catch(exception: unknown, host: ArgumentsHost): Observable<never> | void {
    const { body, status } = this.toFailure(exception);
    if (host.getType() === 'rpc') return throwError(() => body);
    const http = host.switchToHttp();
    const reply = http.getResponse<FastifyReply>();
    const request = http.getRequest<FastifyRequest>();
    const requestId = currentRequestId() ?? request.id;
    if (status === 503) void reply.header('Retry-After', '5');
    const custom = this.renderBody?.(request.routeOptions?.url, body, requestId);
    void reply.status(status).send(custom ?? { error: { code: body.code, message: body.message, requestId } });
  }

  private toFailure(exception: unknown): Failure {
    if (exception instanceof AppException) {
      const failure = this.coded(exception.code, exception.message);
      if (failure.status >= 500) this.logger.warn({ code: exception.code, err: exception }, exception.message);
      return failure;
    }
    if (exception instanceof HttpException) {
      // The framework's own HTTP errors already carry their status.
      const status = exception.getStatus();
      if (status < 500 || status === 503)
        return { body: { code: CODES_BY_STATUS[status] ?? `http_${status}`, message: messageOf(exception) }, status };
    }
    if (exception instanceof RpcException) {
      const error = exception.getError();
      if (isRpcErrorBody(error)) return this.coded(error.code, error.message);
    }
    if (isFastifyClientError(exception)) {
      const status = exception.statusCode;
      return { body: { code: CODES_BY_STATUS[status] ?? `http_${status}`, message: fastifyMessage(exception) }, status };
    }
    if (isDependencyOutage(exception)) {
      this.logger.warn({ err: exception }, 'a dependency is unavailable');
      return this.coded(ErrorCodes.unavailable, 'Temporarily unavailable; retry later');
    }
    this.logger.error({ err: exception }, 'unhandled error');
    return this.coded(ErrorCodes.internalError, 'Internal error');
  }

  private coded(code: ErrorCode, message: string): Failure {
    return { body: { code, message }, status: httpStatusOf(code) };
  }
}
