/** When a webhook delivery is attempted again: Svix's schedule, jittered, with the receiver's Retry-After. */

/** The delays before the 2nd, 3rd… attempt, from `WEBHOOK_RETRY_DELAYS_MS`. */
export function parseRetryDelays(list: string): number[] {
  return list.split(',').map((entry) => Number(entry.trim()));
}

/**
 * How long to wait after the `attempts`-th attempt of a round failed, or null when the round has
 * no attempt left: the schedule's delay, moved by up to ±10 %.
 */
export function retryDelayAfter(attempts: number, delays: readonly number[], random: () => number = Math.random): number | null {
  const delay = delays[attempts - 1];
  if (delay === undefined) return null;
  return Math.max(0, Math.round(delay * (0.9 + 0.2 * random())));
}

/** A Retry-After header (seconds or an HTTP date) in ms from `now`, capped; null when absent or unreadable. */
export function retryAfterMs(header: string | undefined, capMs: number, now = Date.now()): number | null {
  if (header === undefined || header.trim() === '') return null;
  const value = header.trim();
  const ms = /^\d+$/.test(value) ? Number(value) * 1000 : Date.parse(value) - now;
  if (!Number.isFinite(ms)) return null;
  return Math.min(Math.max(ms, 0), capMs);
}
