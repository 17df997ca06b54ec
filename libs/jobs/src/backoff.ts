/** The delays of the claim loops and the jobs they run: pure arithmetic, unit-tested. */

export interface RetryPolicy {
  /** Delay before the second attempt; each further attempt doubles it. */
  baseDelayMs: number;
  /** No retry waits longer than this. */
  maxDelayMs: number;
  /**
   * Fraction of the delay drawn at random (0 to 1), so that jobs failing together (a third party
   * down) do not all come back in the same instant.
   */
  jitter: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = { baseDelayMs: 1000, maxDelayMs: 15 * 60_000, jitter: 0.2 };

/**
 * How long a job waits after its `attempt`-th attempt (1-based) failed: base · 2^(attempt-1),
 * capped, then shortened by up to `jitter` of itself, never lengthened (the cap holds).
 */
export function retryDelayMs(attempt: number, policy: RetryPolicy = DEFAULT_RETRY_POLICY, random: () => number = Math.random): number {
  const exponent = Math.max(0, Math.min(attempt - 1, 30));
  const delay = Math.min(policy.baseDelayMs * 2 ** exponent, policy.maxDelayMs);
  const jitter = Math.min(Math.max(policy.jitter, 0), 1);
  return Math.round(delay * (1 - jitter * random()));
}

/**
 * How long a claim loop sleeps before its next pass: the poll interval while passes succeed; after
 * `failures` failed passes in a row (database or downstream out), twice as long per failure up to
 * 32 times the interval, and never more than `maxMs`.
 */
export function pollDelayMs(pollIntervalMs: number, failures: number, maxMs = 30_000): number {
  if (failures <= 0) return pollIntervalMs;
  return Math.min(pollIntervalMs * 2 ** Math.min(failures, 5), Math.max(maxMs, pollIntervalMs));
}

/**
 * The next time a schedule is due once it ran for the slot `due`: the first slot of its grid
 * (`due` + k · interval) later than `now`. A replica that was down for several intervals runs the
 * task once, not once per missed slot, and the grid does not drift by how late a run started.
 */
export function nextRunAt(due: Date, now: Date, intervalMs: number): Date {
  if (!(intervalMs > 0)) throw new Error(`a schedule's interval must be positive (got ${intervalMs})`);
  const behind = now.getTime() - due.getTime();
  const slots = behind < 0 ? 1 : Math.floor(behind / intervalMs) + 1;
  return new Date(due.getTime() + slots * intervalMs);
}
