import { parseRetryDelays, retryAfterMs, retryDelayAfter } from './delivery-schedule';

describe('delivery schedule', () => {
  const svix = parseRetryDelays('5000,300000,1800000,7200000,18000000,36000000,36000000');

  it('follows Svix: 8 attempts, the first at once, then 5 s … 10 h, and none after the 8th', () => {
    expect([1, 2, 3, 4, 5, 6, 7].map((attempt) => retryDelayAfter(attempt, svix, () => 0.5))).toEqual([
      5000, 300000, 1800000, 7200000, 18000000, 36000000, 36000000,
    ]);
    expect(retryDelayAfter(8, svix)).toBeNull();
  });

  it('jitters each delay by at most ±10 %', () => {
    expect(retryDelayAfter(1, svix, () => 0)).toBe(4500);
    expect(retryDelayAfter(1, svix, () => 0.999999)).toBe(5500);
  });

  it('reads Retry-After as seconds or a date, capped', () => {
    const now = Date.parse('2026-01-01T00:00:00Z');
    expect(retryAfterMs('2', 60_000, now)).toBe(2000);
    expect(retryAfterMs('7200', 60_000, now)).toBe(60_000);
    expect(retryAfterMs('Thu, 01 Jan 2026 00:00:30 GMT', 60_000, now)).toBe(30_000);
    expect(retryAfterMs(undefined, 60_000, now)).toBeNull();
    expect(retryAfterMs('soon', 60_000, now)).toBeNull();
  });
});
