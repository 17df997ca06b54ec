/**
 * Waits for the pipeline to catch up after the load: every stored lead counted by the metrics app,
 * attributed to a contact by the contacts app, and every contact it made given its first stage by
 * the scoring app (as the metrics app counted them).
 */
import { setTimeout as sleep } from 'node:timers/promises';

/** What the metrics app has counted of the leads, one figure per app the lead passes through. */
export interface PipelineCounts {
  /** Leads counted (`lead.ingested`, published by ingestion). */
  leads: number;
  /** Leads attributed to a contact, new or returning (`lead.attributed`, published by contacts). */
  attributed: number;
  /** Contacts those leads made. */
  newContacts: number;
  /** Stage entries (`stage.changed`, published by scoring): each new contact enters its first stage. */
  stageEntries: number;
}

export interface DrainProbe {
  /** What the metrics app has counted. */
  counted(): Promise<PipelineCounts>;
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
  /** Sees every successful poll that found the pipeline still behind, for progress output. */
  onPoll?: (stored: number, counts: PipelineCounts) => void;
  now?: () => number;
}

export interface DrainResult extends PipelineCounts {
  accepted: number;
  stored: number;
  /** Seconds from the end of the load until the pipeline had caught up; null when it never did. */
  drainedAfterS: number | null;
  /** The last failure of a poll, if any (e.g. the summary endpoint answered 503). */
  lastError?: string;
}

/** Whether every stored lead has been through every app (`stored` at least `accepted`). */
export function caughtUp(stored: number, counts: PipelineCounts): boolean {
  return counts.leads >= stored && counts.attributed >= stored && counts.stageEntries >= counts.newContacts;
}

/**
 * Polls until the pipeline has caught up with every stored lead (see `caughtUp`). Stored, not only
 * acknowledged: requests cut off when the load stopped may still be stored without the bench ever
 * seeing their 201. The contacts and scoring apps count too: a consumer that falls behind defers
 * CPU past the measured load, and a run where it did must not pass for a cheap one.
 */
export async function waitForDrain(options: DrainOptions): Promise<DrainResult> {
  const { probe, intervalMs = 250, now = Date.now } = options;
  const deadline = options.loadEndedAt + options.timeoutMs;
  const result: DrainResult = {
    accepted: options.accepted,
    stored: 0,
    leads: 0,
    attributed: 0,
    newContacts: 0,
    stageEntries: 0,
    drainedAfterS: null,
  };
  while (!options.signal?.aborted) {
    try {
      // Stored before and after the count: requests cut off when the load stopped may still be
      // landing, and a count is only compared with a number of stored leads that held still around it.
      const storedBefore = await probe.stored();
      const counts = await probe.counted();
      Object.assign(result, counts);
      result.stored = await probe.stored();
      if (storedBefore === result.stored && caughtUp(Math.max(result.stored, result.accepted), counts)) {
        result.drainedAfterS = (now() - options.loadEndedAt) / 1000;
        return result;
      }
      options.onPoll?.(result.stored, counts);
    } catch (error) {
      result.lastError = error instanceof Error ? error.message : String(error);
    }
    if (now() >= deadline) return result;
    await sleep(intervalMs, undefined, { signal: options.signal }).catch(() => undefined);
  }
  return result;
}
