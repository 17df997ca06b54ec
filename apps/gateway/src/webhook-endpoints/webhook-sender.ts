import type { StandardWebhookHeaders } from '@leadflow/signing';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { guardedLookup, refusedAddress } from './webhook-target';
import { isIP } from 'node:net';

/** What an attempt kept of the receiver's answer. */
export interface AttemptResult {
  /** Null when no answer came (refused, unreachable, timed out). */
  statusCode: number | null;
  /** The first 1 KB of the answer's body. */
  responseSnippet: string | null;
  retryAfter: string | undefined;
  latencyMs: number;
  error: string | null;
}

export const RESPONSE_SNIPPET_BYTES = 1024;

/**
 * POSTs one signed delivery (a GET without a body: a postback) with Node's HTTP client. The connection goes through `guardedLookup`,
 * so the address checked is the address connected to (a name that now resolves to a refused
 * address fails the attempt); redirects are not followed (a 3xx is a failed attempt); the whole
 * exchange has `timeoutMs`.
 */
export function sendWebhook(
  url: URL,
  body: string | null,
  headers: StandardWebhookHeaders,
  options: { timeoutMs: number; allowPrivate: boolean; userAgent: string },
): Promise<AttemptResult> {
  const started = performance.now();
  const latency = () => Math.round(performance.now() - started);
  const host = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
  if (isIP(host)) {
    const refused = refusedAddress(host, options.allowPrivate);
    if (refused) return Promise.resolve({ statusCode: null, responseSnippet: null, retryAfter: undefined, latencyMs: 0, error: refused });
  }
  return new Promise<AttemptResult>((resolve) => {
    let settled = false;
    const finish = (result: Omit<AttemptResult, 'latencyMs'>) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve({ ...result, latencyMs: latency() });
    };
    const request = (url.protocol === 'https:' ? httpsRequest : httpRequest)(
      url,
      {
        method: body === null ? 'GET' : 'POST',
        lookup: guardedLookup(options.allowPrivate),
        headers: {
          ...headers,
          ...(body === null ? {} : { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) }),
          'user-agent': options.userAgent,
        },
      },
      (response) => {
        const chunks: Buffer[] = [];
        let kept = 0;
        response.on('data', (chunk: Buffer) => {
          if (kept < RESPONSE_SNIPPET_BYTES) {
            chunks.push(chunk);
            kept += chunk.length;
          }
        });
        const done = () => {
          const retryAfter = response.headers['retry-after'];
          finish({
            statusCode: response.statusCode ?? null,
            responseSnippet: Buffer.concat(chunks).subarray(0, RESPONSE_SNIPPET_BYTES).toString('utf8'),
            retryAfter: Array.isArray(retryAfter) ? retryAfter[0] : retryAfter,
            error: null,
          });
        };
        response.on('end', done);
        response.on('error', (error) =>
          finish({ statusCode: response.statusCode ?? null, responseSnippet: null, retryAfter: undefined, error: error.message }),
        );
      },
    );
    const timer = setTimeout(() => {
      request.destroy(new Error(`no answer within ${options.timeoutMs} ms`));
    }, options.timeoutMs);
    request.on('error', (error) => finish({ statusCode: null, responseSnippet: null, retryAfter: undefined, error: error.message }));
    request.end(body ?? undefined);
  });
}
