import { EVENTS_PER_BATCH, EventSequence } from './event-sequence';

describe('EventSequence', () => {
  it('makes batches of 100 new events, identified and anonymous, with identify calls merging earlier anonymous visitors', () => {
    const sequence = new EventSequence('r1');
    const batches = Array.from({ length: 5 }, () => sequence.take());
    const events = batches.map((b) => (JSON.parse(b.body) as { events: Array<Record<string, unknown>> }).events);
    for (const batch of events) expect(batch).toHaveLength(EVENTS_PER_BATCH);
    const ids = events.flat().map((e) => e.messageId);
    expect(new Set(ids).size).toBe(ids.length);
    expect(events[0]?.some((e) => e.anonymousId !== undefined)).toBe(true);
    expect(events[0]?.some((e) => e.email !== undefined)).toBe(true);
    expect(batches.map((b) => b.identifies)).toEqual([0, 0, 0, 3, 3]);
    // An identify names an anonymous id that an earlier batch used, with a user id and email.
    const identify = events[3]?.find((e) => e.type === 'identify');
    expect(events[0]?.some((e) => e.anonymousId === identify?.anonymousId)).toBe(true);
    expect(identify).toMatchObject({ userId: expect.any(String), email: expect.stringContaining('@') });
  });
});
