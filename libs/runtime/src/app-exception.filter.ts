import { AppException, ErrorCodes, isRpcErrorBody, type RpcErrorBody } from '@leadflow/contracts';
import { currentRequestId } from '@leadflow/logging';
import { type ArgumentsHost, Catch, type ExceptionFilter, HttpException } from '@nestjs/common';
import { RpcException } from '@nestjs/microservices';
import type { FastifyReply } from 'fastify';
import type { Logger } from 'pino';
import { type Observable, throwError } from 'rxjs';

const CODES_BY_STATUS: Record<number, string> = {
  400: ErrorCodes.validationFailed,
  401: 'unauthorized',
  403: 'forbidden',
  404: ErrorCodes.notFound,
  405: 'method_not_allowed',
  413: 'payload_too_large',
  415: 'unsupported_media_type',
  429: 'rate_limited',
  503: ErrorCodes.unavailable,
};

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
 * Maps every failure to a stable code, for HTTP bodies and RPC error replies alike. Unknown errors
 * are logged with their stack and leave as `internal_error` with no internals.
 */
@Catch()
export class AppExceptionFilter implements ExceptionFilter {
  constructor(private readonly logger: Logger) {}

  catch(exception: unknown, host: ArgumentsHost): Observable<never> | void {
    const body = this.toBody(exception);
    if (host.getType() === 'rpc') return throwError(() => body);
    const reply = host.switchToHttp().getResponse<FastifyReply>();
    if (body.status === 503) void reply.header('Retry-After', '5');
    void reply.status(body.status).send({ error: { code: body.code, message: body.message, requestId: currentRequestId() } });
  }

  private toBody(exception: unknown): RpcErrorBody {
    if (exception instanceof AppException) {
      if (exception.status >= 500) this.logger.warn({ code: exception.code, err: exception }, exception.message);
      return exception.toBody();
    }
    if (exception instanceof HttpException) {
      const status = exception.getStatus();
      if (status < 500 || status === 503)
        return { code: CODES_BY_STATUS[status] ?? `http_${status}`, message: messageOf(exception), status };
    }
    if (exception instanceof RpcException && isRpcErrorBody(exception.getError())) return exception.getError() as RpcErrorBody;
    this.logger.error({ err: exception }, 'unhandled error');
    return { code: ErrorCodes.internalError, message: 'Internal error', status: 500 };
  }
}
