import { AppException, DownstreamException } from '@leadflow/contracts';
import { runWithRequestId } from '@leadflow/logging';
import { type ArgumentsHost, BadRequestException, NotFoundException, ServiceUnavailableException } from '@nestjs/common';
import pino from 'pino';
import { lastValueFrom, type Observable } from 'rxjs';
import { AppExceptionFilter } from './app-exception.filter';

function httpHost(route = '/api/v1/things') {
  const sent: { status?: number; body?: unknown; headers: Record<string, string> } = { headers: {} };
  const reply = {
    status(code: number) {
      sent.status = code;
      return reply;
    },
    header(name: string, value: string) {
      sent.headers[name] = value;
      return reply;
    },
    send(body: unknown) {
      sent.body = body;
      return reply;
    },
  };
  const request = { id: 'generated-id', routeOptions: { url: route } };
  const host = {
    getType: () => 'http',
    switchToHttp: () => ({ getResponse: () => reply, getRequest: () => request }),
  } as unknown as ArgumentsHost;
  return { host, sent };
}

const rpcHost = { getType: () => 'rpc' } as unknown as ArgumentsHost;
const filter = new AppExceptionFilter(pino({ level: 'silent' }));

describe('AppExceptionFilter', () => {
  it('renders the body a route asks for, and the standard body elsewhere', () => {
    const legacy = new AppExceptionFilter(pino({ level: 'silent' }), (route, error) =>
      route === '/api/lead' ? { ok: false, error: error.code } : undefined,
    );
    const onLegacy = httpHost('/api/lead');
    legacy.catch(new AppException('invalid_payload', 'not an object'), onLegacy.host);
    expect(onLegacy.sent).toMatchObject({ status: 400, body: { ok: false, error: 'invalid_payload' } });
    const elsewhere = httpHost();
    legacy.catch(new AppException('invalid_payload', 'not an object'), elsewhere.host);
    expect(elsewhere.sent.body).toEqual({ error: { code: 'invalid_payload', message: 'not an object', requestId: 'generated-id' } });
  });

  it("maps Fastify's own client errors (body too large) to a stable code", () => {
    const { host, sent } = httpHost();
    filter.catch(Object.assign(new Error('Request body is too large'), { statusCode: 413, code: 'FST_ERR_CTP_BODY_TOO_LARGE' }), host);
    expect(sent).toMatchObject({
      status: 413,
      body: { error: { code: 'payload_too_large', message: 'The request body is larger than 1 MiB' } },
    });
  });

  it('answers a lost database connection with 503 unavailable, not 500', () => {
    const { host, sent } = httpHost();
    filter.catch(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' }), host);
    expect(sent).toMatchObject({ status: 503, headers: { 'Retry-After': '5' }, body: { error: { code: 'unavailable' } } });
  });

  it("answers a typed exception with its code's status, the stable code and the request id", () => {
    const { host, sent } = httpHost();
    runWithRequestId('req-7', () => filter.catch(new AppException('idempotency_key_reused', 'key reused with another body'), host));
    expect(sent).toMatchObject({
      status: 422,
      body: { error: { code: 'idempotency_key_reused', message: 'key reused with another body', requestId: 'req-7' } },
    });
  });

  it('maps framework 4xx errors to stable codes with their messages', () => {
    const cases: Array<[Error, number, string]> = [
      [new BadRequestException(['limit must be a number']), 400, 'validation_failed'],
      [new NotFoundException('Cannot GET /x'), 404, 'not_found'],
    ];
    for (const [error, status, code] of cases) {
      const { host, sent } = httpHost();
      filter.catch(error, host);
      expect(sent).toMatchObject({ status, body: { error: { code } } });
    }
  });

  it('answers 503 unavailable with Retry-After', () => {
    const { host, sent } = httpHost();
    filter.catch(new ServiceUnavailableException(), host);
    expect(sent).toMatchObject({ status: 503, headers: { 'Retry-After': '5' }, body: { error: { code: 'unavailable' } } });
  });

  it('hides everything about an unknown error behind internal_error', () => {
    const { host, sent } = httpHost();
    filter.catch(new TypeError("Cannot read properties of undefined (reading 'x') at /app/src/secret.ts:12"), host);
    expect(sent.status).toBe(500);
    expect(sent.body).toEqual({ error: { code: 'internal_error', message: 'Internal error', requestId: 'generated-id' } });
  });

  it('replies over RPC with the code and message alone, no HTTP status', async () => {
    const result = filter.catch(new AppException('not_found', 'no lead 9'), rpcHost) as Observable<never>;
    await expect(lastValueFrom(result)).rejects.toStrictEqual({ code: 'not_found', message: 'no lead 9' });
    const outage = filter.catch(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }), rpcHost) as Observable<never>;
    await expect(lastValueFrom(outage)).rejects.toStrictEqual({ code: 'unavailable', message: 'Temporarily unavailable; retry later' });
  });

  it("answers a downstream app's error code with the status the code maps to", () => {
    const { host, sent } = httpHost();
    filter.catch(new DownstreamException('contacts.contact.get', 'not_found', 'no contact 42'), host);
    expect(sent).toMatchObject({ status: 404, body: { error: { code: 'not_found', message: 'no contact 42' } } });
    const unavailable = httpHost();
    filter.catch(new DownstreamException('scoring.score.get', 'unavailable', 'scoring did not answer'), unavailable.host);
    expect(unavailable.sent).toMatchObject({ status: 503, headers: { 'Retry-After': '5' }, body: { error: { code: 'unavailable' } } });
  });

  it('keeps a sign-in refusal at 503 with Retry-After and a rate limit at 429, as their codes say', () => {
    const disabled = httpHost();
    filter.catch(new AppException('login_disabled', 'not configured'), disabled.host);
    expect(disabled.sent).toMatchObject({ status: 503, headers: { 'Retry-After': '5' } });
    const limited = httpHost();
    filter.catch(new AppException('rate_limited', 'slow down'), limited.host);
    expect(limited.sent).toMatchObject({ status: 429 });
    expect(limited.sent.headers).toEqual({});
  });
});
