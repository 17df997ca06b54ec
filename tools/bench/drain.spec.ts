import { type DrainProbe, type LeadCounts, waitForDrain } from './drain';
import type { InFlight } from './in-flight';

/** `n` leads counted by metrics and attributed by contacts. */
const all = (n: number): LeadCounts => ({ leads: n, attributed: n });
const nothing: InFlight = { pending: 0, outboxRows: 0, messages: 0, detail: {} };
/** Messages a consumer has not acknowledged yet. */
const unacknowledged = (durable: string, messages: number): InFlight => ({
  pending: messages,
  outboxRows: 0,
  messages,
  detail: { [durable]: messages },
});

/** Polls `probe` on a clock that passes a 1 s deadline after three polls. */
function untilDeadline(accepted: number, probe: DrainProbe) {
  let clock = 0;
  return waitForDrain({ accepted, loadEndedAt: 0, timeoutMs: 1000, intervalMs: 0, now: () => (clock += 400), probe });
}

describe('waitForDrain', () => {
  it('waits until the count covers every stored lead, not only the acknowledged ones', async () => {
    const counts = [all(5), all(9), all(10)];
    let clock = 1000;
    const result = await waitForDrain({
      accepted: 9,
      loadEndedAt: 1000,
      timeoutMs: 10_000,
      intervalMs: 0,
      now: () => (clock += 500),
      probe: { stored: async () => 10, inFlight: async () => nothing, counted: async () => counts.shift() ?? all(10) },
    });
    expect(result).toMatchObject({ accepted: 9, stored: 10, leads: 10, attributed: 10 });
    expect(result.drainedAfterS).toBeGreaterThan(0);
  });

  it('waits until no consumer has anything left, though every lead was counted', async () => {
    // Metrics counted every lead at once; scoring's consumer still holds messages for two polls.
    const inFlight = [
      unacknowledged('BENCH_CONTACTS/scoring-contact-created', 3),
      unacknowledged('BENCH_CONTACTS/scoring-contact-created', 1),
    ];
    const polls: InFlight[] = [];
    const result = await waitForDrain({
      accepted: 10,
      loadEndedAt: Date.now(),
      timeoutMs: 5000,
      intervalMs: 0,
      probe: { stored: async () => 10, inFlight: async () => inFlight.shift() ?? nothing, counted: async () => all(10) },
      onPoll: (_stored, _counts, seen) => polls.push(seen),
    });
    expect(polls.map((seen) => seen.pending)).toEqual([3, 1]);
    expect(result.drainedAfterS).not.toBeNull();
    expect(result.inFlight).toEqual(nothing);
  });

  it('never calls a pipeline drained whose contacts app stays behind, and says where', async () => {
    const result = await untilDeadline(10, {
      stored: async () => 10,
      inFlight: async () => unacknowledged('BENCH_INGESTION/contacts-lead-ingested', 2),
      counted: async () => ({ leads: 10, attributed: 3 }),
    });
    expect(result.drainedAfterS).toBeNull();
    expect(result).toMatchObject({ leads: 10, attributed: 3, inFlight: { detail: { 'BENCH_INGESTION/contacts-lead-ingested': 2 } } });
  });

  it('gives up at the deadline and keeps the last error', async () => {
    const result = await untilDeadline(3, {
      stored: async () => 3,
      inFlight: async () => nothing,
      counted: async () => {
        throw new Error('metrics summary answered 503');
      },
    });
    expect(result.drainedAfterS).toBeNull();
    expect(result.lastError).toBe('metrics summary answered 503');
  });

  it('does not call the pipeline drained while leads are still being stored around the count', async () => {
    // The cut-off requests land while the count is read: 10 stored, then 12 counted, then 12 stored.
    const stored = [10, 12, 12, 12];
    const result = await waitForDrain({
      accepted: 9,
      loadEndedAt: Date.now(),
      timeoutMs: 5000,
      intervalMs: 1,
      probe: { stored: async () => stored.shift() ?? 12, inFlight: async () => nothing, counted: async () => all(12) },
    });
    expect(result).toMatchObject({ stored: 12, leads: 12 });
  });
});
