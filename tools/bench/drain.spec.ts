import { waitForDrain } from './drain';

describe('waitForDrain', () => {
  it('waits until the count covers every stored lead, not only the acknowledged ones', async () => {
    const counts = [5, 9, 10];
    let clock = 1000;
    const result = await waitForDrain({
      accepted: 9,
      loadEndedAt: 1000,
      timeoutMs: 10_000,
      intervalMs: 0,
      now: () => (clock += 500),
      probe: { stored: async () => 10, counted: async () => counts.shift() ?? 10 },
    });
    expect(result).toMatchObject({ accepted: 9, stored: 10, counted: 10 });
    expect(result.drainedAfterS).toBeGreaterThan(0);
  });

  it('gives up at the deadline and keeps the last error', async () => {
    let clock = 0;
    const result = await waitForDrain({
      accepted: 3,
      loadEndedAt: 0,
      timeoutMs: 1000,
      intervalMs: 0,
      now: () => (clock += 400),
      probe: {
        stored: async () => 3,
        counted: async () => {
          throw new Error('metrics summary answered 503');
        },
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
      probe: { stored: async () => stored.shift() ?? 12, counted: async () => 12 },
    });
    expect(result).toMatchObject({ stored: 12, counted: 12 });
  });
});
