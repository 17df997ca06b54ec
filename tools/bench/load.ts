/** Drives `POST /api/lead` with autocannon for a fixed time, one unique lead per request. */
import autocannon from 'autocannon';
import type { LeadSequence } from './lead-sequence';

export const INTAKE_PATH = '/api/lead';

export interface LoadOptions {
  /** Base URL of the target, e.g. http://127.0.0.1:3000. */
  baseUrl: string;
  connections: number;
  durationS: number;
  leads: LeadSequence;
  /** Sent as X-Api-Key on every request (the baseline ignores it). */
  apiKey: string;
  /** Stops the load early (Ctrl-C); the result then covers what ran. */
  signal?: AbortSignal;
}

export interface LoadResult {
  durationS: number;
  /** Responses received, whatever their status. */
  responses: number;
  requestsPerSecond: number;
  latencyP50Ms: number;
  latencyP99Ms: number;
  latencyMaxMs: number;
  /** 201 answers: leads the target acknowledged as stored. */
  accepted: number;
  non2xx: number;
  /** Connection errors, timeouts included. */
  errors: number;
  timeouts: number;
  statusCodes: Record<string, number>;
  startedAt: string;
  finishedAt: string;
}

export function runLoad(options: LoadOptions): Promise<LoadResult> {
  const { leads } = options;
  return new Promise((resolve, reject) => {
    const instance = autocannon(
      {
        url: options.baseUrl,
        connections: options.connections,
        duration: options.durationS,
        requests: [
          {
            method: 'POST',
            path: INTAKE_PATH,
            // Called for every request: a fresh key and e-mail each time, as real senders do.
            setupRequest: (request) => {
              const lead = leads.take();
              return {
                ...request,
                headers: { 'content-type': 'application/json', 'idempotency-key': lead.idempotencyKey, 'x-api-key': options.apiKey },
                body: lead.body,
              };
            },
          },
        ],
      },
      (error: unknown, result: autocannon.Result) => {
        options.signal?.removeEventListener('abort', stop);
        if (error) reject(error instanceof Error ? error : new Error(String(error)));
        else resolve(summarize(result));
      },
    );
    const stop = (): void => instance.stop();
    options.signal?.addEventListener('abort', stop, { once: true });
  });
}

function summarize(result: autocannon.Result): LoadResult {
  const statusCodes = Object.fromEntries(Object.entries(result.statusCodeStats ?? {}).map(([code, stat]) => [code, stat.count ?? 0]));
  return {
    durationS: result.duration,
    responses: result.requests.total,
    requestsPerSecond: result.requests.average,
    latencyP50Ms: result.latency.p50,
    latencyP99Ms: result.latency.p99,
    latencyMaxMs: result.latency.max,
    accepted: statusCodes['201'] ?? 0,
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
    statusCodes,
    startedAt: result.start.toISOString(),
    finishedAt: result.finish.toISOString(),
  };
}
