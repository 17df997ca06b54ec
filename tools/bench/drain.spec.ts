import { type DrainProbe, type PipelineCounts, waitForDrain } from './drain';

/** Counts of a pipeline that has been through every app for `n` leads, each its own contact. */
const all = (n: number): PipelineCounts => ({ leads: n, attributed: n, newContacts: n, stageEntries: n });

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
      probe: { stored: async () => 10, counted: async () => counts.shift() ?? all(10) },
    });
    expect(result).toMatchObject({ accepted: 9, stored: 10, leads: 10, attributed: 10 });
    expect(result.drainedAfterS).toBeGreaterThan(0);
  });

  it('waits for the contacts and the scoring apps too, not only for the lead count', async () => {
    // Every lead counted at once; contacts attributes them late, and scoring stages their contacts later still.
    const counts: PipelineCounts[] = [
      { leads: 10, attributed: 2, newContacts: 2, stageEntries: 2 },
      { leads: 10, attributed: 10, newContacts: 10, stageEntries: 4 },
      { leads: 10, attributed: 10, newContacts: 10, stageEntries: 10 },
    ];
    const polls: number[] = [];
    const result = await waitForDrain({
      accepted: 10,
      loadEndedAt: Date.now(),
      timeoutMs: 5000,
      intervalMs: 0,
      probe: { stored: async () => 10, counted: async () => counts.shift() ?? all(10) },
      onPoll: (_stored, seen) => polls.push(seen.stageEntries),
    });
    expect(polls).toEqual([2, 4]);
    expect(result).toMatchObject({ stored: 10, leads: 10, attributed: 10, stageEntries: 10 });
    expect(result.drainedAfterS).not.toBeNull();
  });

  it('never calls a pipeline drained whose contacts app stays behind', async () => {
    const result = await untilDeadline(10, {
      stored: async () => 10,
      counted: async () => ({ leads: 10, attributed: 3, newContacts: 3, stageEntries: 3 }),
    });
    expect(result.drainedAfterS).toBeNull();
    expect(result).toMatchObject({ leads: 10, attributed: 3 });
  });

  it('gives up at the deadline and keeps the last error', async () => {
    const result = await untilDeadline(3, {
      stored: async () => 3,
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
      probe: { stored: async () => stored.shift() ?? 12, counted: async () => all(12) },
    });
    expect(result).toMatchObject({ stored: 12, leads: 12 });
  });
});
