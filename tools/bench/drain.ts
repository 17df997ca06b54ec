/** Waits for the pipeline to catch up after the load: every stored lead counted by the metrics app. */
import { setTimeout as sleep } from 'node:timers/promises';

export interface DrainProbe {
  /** Leads the metrics app has counted. */
  counted(): Promise<number>;
  /** Leads ingestion has stored. */
  stored(): Promise<number>;
}

export interface DrainOptions {
  /** 201 answers, warm-up included: each is a lead that must show up. */
  accepted: number;
  /** When the measured load ended (ms since the epoch); drain time counts from here. */
  loadEndedAt: number;
  timeoutMs: number;
  intervalMs?: number;
  probe: DrainProbe;
  signal?: AbortSignal;
  /** Sees every successful poll that found the count still short, for progress output. */
  onPoll?: (stored: number, counted: number) => void;
  now?: () => number;
}

export interface DrainResult {
  accepted: number;
  stored: number;
  counted: number;
  /** Seconds from the end of the load until the count was complete; null when it never was. */
  drainedAfterS: number | null;
  /** The last failure of a poll, if any (e.g. the summary endpoint answered 503). */
  lastError?: string;
}

/**
 * Polls until the metrics count reaches every stored lead. Stored, not only acknowledged: requests
 * cut off when the load stopped may still be stored without the bench ever seeing their 201.
 */
export async function waitForDrain(options: DrainOptions): Promise<DrainResult> {
  const { probe, intervalMs = 250, now = Date.now } = options;
  const deadline = options.loadEndedAt + options.timeoutMs;
  const result: DrainResult = { accepted: options.accepted, stored: 0, counted: 0, drainedAfterS: null };
  while (!options.signal?.aborted) {
    try {
      // Stored before and after the count: requests cut off when the load stopped may still be
      // landing, and a count is only compared with a number of stored leads that held still around it.
      const storedBefore = await probe.stored();
      result.counted = await probe.counted();
      result.stored = await probe.stored();
      if (storedBefore === result.stored && result.counted >= Math.max(result.stored, result.accepted)) {
        result.drainedAfterS = (now() - options.loadEndedAt) / 1000;
        return result;
      }
      options.onPoll?.(result.stored, result.counted);
    } catch (error) {
      result.lastError = error instanceof Error ? error.message : String(error);
    }
    if (now() >= deadline) return result;
    await sleep(intervalMs, undefined, { signal: options.signal }).catch(() => undefined);
  }
  return result;
}
