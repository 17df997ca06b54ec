import { consecutiveCrashes, DEFAULT_BACKOFF, restartDelayMs } from './supervisor';

describe('restartDelayMs', () => {
  it('waits 1 s after the first crash and doubles per consecutive crash', () => {
    expect([1, 2, 3, 4, 5].map((crashes) => restartDelayMs(crashes))).toEqual([1000, 2000, 4000, 8000, 16_000]);
  });

  it('never waits more than 30 s', () => {
    expect(restartDelayMs(6)).toBe(30_000);
    expect(restartDelayMs(1000)).toBe(30_000);
  });

  it('treats a count below one as the first crash', () => {
    expect(restartDelayMs(0)).toBe(1000);
  });

  it('follows a custom policy', () => {
    expect(restartDelayMs(3, { initialDelayMs: 100, maxDelayMs: 250, resetAfterMs: 1000 })).toBe(250);
  });
});

describe('consecutiveCrashes', () => {
  it('counts crashes of short runs in a row', () => {
    expect(consecutiveCrashes(0, 500)).toBe(1);
    expect(consecutiveCrashes(3, 59_999)).toBe(4);
  });

  it('starts again from one after a run that stayed up 60 s', () => {
    expect(consecutiveCrashes(7, DEFAULT_BACKOFF.resetAfterMs)).toBe(1);
    expect(restartDelayMs(consecutiveCrashes(7, 61_000))).toBe(1000);
  });
});
