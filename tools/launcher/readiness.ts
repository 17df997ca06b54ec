/** Polls an app's readiness endpoint until it answers 200. */
import { get } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';

/** The HTTP status of a GET to `url`, or a short description of why there was none. */
export function httpStatus(url: string, timeoutMs: number): Promise<number | string> {
  return new Promise((resolve) => {
    const request = get(url, { agent: false, timeout: timeoutMs }, (response) => {
      response.resume();
      resolve(response.statusCode ?? 'no status');
    });
    request.on('timeout', () => request.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    request.on('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? error.message));
  });
}

export interface PollOptions {
  intervalMs?: number;
  requestTimeoutMs?: number;
  /** Ends the polling (the process exited, or the launcher is stopping). */
  signal: AbortSignal;
  /** The latest answer, for "still waiting" messages. */
  onAttempt?: (status: number | string) => void;
}

/** Resolves true once `url` answers 200, false if `signal` aborts first. */
export async function pollUntilReady(url: string, options: PollOptions): Promise<boolean> {
  const { intervalMs = 250, requestTimeoutMs = 1000, signal, onAttempt } = options;
  while (!signal.aborted) {
    const status = await httpStatus(url, requestTimeoutMs);
    onAttempt?.(status);
    if (status === 200) return !signal.aborted;
    await sleep(intervalMs, undefined, { signal }).catch(() => undefined);
  }
  return false;
}
