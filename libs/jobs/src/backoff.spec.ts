import { nextRunAt, pollDelayMs, retryDelayMs } from './backoff';

describe('retryDelayMs', () => {
  const policy = { baseDelayMs: 1000, maxDelayMs: 60_000, jitter: 0 };

  it('doubles the delay with each failed attempt, starting from the base', () => {
    expect([1, 2, 3, 4, 5].map((attempt) => retryDelayMs(attempt, policy))).toEqual([1000, 2000, 4000, 8000, 16000]);
  });

  it('never waits longer than the cap, however many attempts failed', () => {
    expect(retryDelayMs(7, policy)).toBe(60_000);
    expect(retryDelayMs(1000, policy)).toBe(60_000);
  });

  it('shortens the delay by at most the jitter fraction and never lengthens it', () => {
    const jittered = { ...policy, jitter: 0.2 };
    expect(retryDelayMs(3, jittered, () => 0)).toBe(4000);
    expect(retryDelayMs(3, jittered, () => 0.5)).toBe(3600);
    expect(retryDelayMs(3, jittered, () => 0.999999)).toBe(3200);
    expect(retryDelayMs(20, jittered, () => 0)).toBe(60_000);
  });

  it('treats an attempt number below 1 as the first attempt', () => {
    expect(retryDelayMs(0, policy)).toBe(1000);
  });
});

describe('pollDelayMs', () => {
  it('polls at the interval while passes succeed', () => {
    expect(pollDelayMs(200, 0)).toBe(200);
  });

  it('doubles per failed pass up to 32 times the interval, within the ceiling', () => {
    expect([1, 2, 3, 4, 5, 6, 50].map((failures) => pollDelayMs(200, failures))).toEqual([400, 800, 1600, 3200, 6400, 6400, 6400]);
    expect(pollDelayMs(5000, 3)).toBe(30_000);
    expect(pollDelayMs(5000, 3, 12_000)).toBe(12_000);
  });
});

describe('nextRunAt', () => {
  const due = new Date('2026-01-01T00:00:00.000Z');
  const minute = 60_000;
  const at = (offsetMs: number) => new Date(due.getTime() + offsetMs);

  it('is the next slot of the grid when the run starts on time or a little late', () => {
    expect(nextRunAt(due, due, minute)).toEqual(at(minute));
    expect(nextRunAt(due, at(59_999), minute)).toEqual(at(minute));
  });

  it('skips the slots missed while no replica ran, so a late task runs once and not once per slot', () => {
    expect(nextRunAt(due, at(minute), minute)).toEqual(at(2 * minute));
    expect(nextRunAt(due, at(10.5 * minute), minute)).toEqual(at(11 * minute));
  });

  it('is always later than now, so the slot just claimed is never due again', () => {
    for (const late of [0, 1, 999, 60_000, 123_456]) expect(nextRunAt(due, at(late), 1000).getTime()).toBeGreaterThan(at(late).getTime());
  });

  it('refuses an interval that is not positive', () => {
    expect(() => nextRunAt(due, due, 0)).toThrow(/positive/);
  });
});
