/**
 * Waits for the pipeline to catch up after the load: every stored lead counted by the metrics app,
 * and nothing left in flight in any app (see `readInFlight`).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { InFlight } from './in-flight';

/** What the metrics app has counted of the leads. */
export interface LeadCounts {
  /** Leads counted (from `lead.attributed`, published by contacts, as are the contacts below). */
  leads: number;
  /** Leads attributed to a contact, new or returning (`lead.attributed`, published by contacts). */
  attributed: number;
}

export interface DrainProbe {
  /** Leads ingestion has stored. */
  stored(): Promise<number>;
  /** What is still in the apps' outboxes or unacknowledged by their consumers. */
  inFlight(): Promise<InFlight>;
  /** What the metrics app has counted. */
  counted(): Promise<LeadCounts>;
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
  /** Sees every successful poll that found the pipeline still behind, for progress output. */
  onPoll?: (stored: number, counts: LeadCounts, inFlight: InFlight) => void;
  now?: () => number;
}

export interface DrainResult extends LeadCounts {
  accepted: number;
  stored: number;
  /** What was in flight at the last poll (nothing, once drained). */
  inFlight: InFlight | null;
  /** Seconds from the end of the load until the pipeline had caught up; null when it never did. */
  drainedAfterS: number | null;
  /** The last failure of a poll, if any (e.g. the summary endpoint answered 503). */
  lastError?: string;
}

/**
 * Polls until the metrics app has counted every stored lead and nothing is in flight. Stored, not
 * only acknowledged: requests cut off when the load stopped may still be stored without the bench
 * ever seeing their 201. In flight anywhere, not only up to the lead count: a consumer that falls
 * behind (contacts, scoring) defers CPU past the measured load, and a run where one did must not
 * pass for a cheap one.
 */
export async function waitForDrain(options: DrainOptions): Promise<DrainResult> {
  const { probe, intervalMs = 250, now = Date.now } = options;
  const deadline = options.loadEndedAt + options.timeoutMs;
  const result: DrainResult = { accepted: options.accepted, stored: 0, leads: 0, attributed: 0, inFlight: null, drainedAfterS: null };
  while (!options.signal?.aborted) {
    try {
      // Stored before and after: requests cut off when the load stopped may still be landing, and
      // the counts are only compared with a number of stored leads that held still around them.
      // Counted after the in-flight reading, so that nothing in flight then is missing from them.
      const storedBefore = await probe.stored();
      const inFlight = await probe.inFlight();
      const counts = await probe.counted();
      Object.assign(result, counts, { inFlight });
      result.stored = await probe.stored();
      if (storedBefore === result.stored && inFlight.pending === 0 && counts.leads >= Math.max(result.stored, result.accepted)) {
        result.drainedAfterS = (now() - options.loadEndedAt) / 1000;
        return result;
      }
      options.onPoll?.(result.stored, counts, inFlight);
    } catch (error) {
      result.lastError = error instanceof Error ? error.message : String(error);
    }
    if (now() >= deadline) return result;
    await sleep(intervalMs, undefined, { signal: options.signal }).catch(() => undefined);
  }
  return result;
}
