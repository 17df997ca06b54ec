import { ErrorCodes } from '@leadflow/contracts';
import { correctedTime, DERIVED_ID_PREFIX, parseActivity } from './activity-event';

const receivedAt = new Date('2026-06-01T12:00:00.000Z');
const at = (iso: string) => new Date(iso);
const HOUR = 60 * 60 * 1000;

describe('correctedTime', () => {
  it('takes receivedAt − (sentAt − timestamp) when both are sent: a clock 3 h behind is corrected', () => {
    // The sender's clock says 09:00 when it sends, the event happened 10 minutes before that.
    const { occurredAt, timeFlag } = correctedTime(receivedAt, at('2026-06-01T08:50:00Z'), at('2026-06-01T09:00:00Z'));
    expect(occurredAt.toISOString()).toBe('2026-06-01T11:50:00.000Z');
    expect(timeFlag).toBeNull();
  });

  it('takes the timestamp alone when sentAt is missing, and receivedAt when both are', () => {
    expect(correctedTime(receivedAt, at('2026-05-30T00:00:00Z'), null).occurredAt.toISOString()).toBe('2026-05-30T00:00:00.000Z');
    expect(correctedTime(receivedAt, null, at('2026-05-30T00:00:00Z')).occurredAt).toEqual(receivedAt);
    expect(correctedTime(receivedAt, null, null).occurredAt).toEqual(receivedAt);
  });

  it('flags more than 24 h ahead as future and more than 2 years back as past, and keeps the time', () => {
    const ahead = new Date(receivedAt.getTime() + 25 * HOUR);
    expect(correctedTime(receivedAt, ahead, null)).toEqual({ occurredAt: ahead, timeFlag: 'future' });
    expect(correctedTime(receivedAt, new Date(receivedAt.getTime() + 23 * HOUR), null).timeFlag).toBeNull();
    const old = at('2024-05-01T00:00:00Z');
    expect(correctedTime(receivedAt, old, null)).toEqual({ occurredAt: old, timeFlag: 'past' });
    expect(correctedTime(receivedAt, at('2024-07-01T00:00:00Z'), null).timeFlag).toBeNull();
  });
});

describe('parseActivity', () => {
  const ok = (raw: unknown, kind: Parameters<typeof parseActivity>[1] = null) => {
    const result = parseActivity(raw, kind, receivedAt);
    if (!result.ok) throw new Error(`refused: ${result.error.code} ${result.error.message}`);
    return result.activity;
  };
  const refusal = (raw: unknown, kind: Parameters<typeof parseActivity>[1] = null) => {
    const result = parseActivity(raw, kind, receivedAt);
    return result.ok ? 'accepted' : result.error.code;
  };

  it('maps a track to its event name, normalizes email and phone, keeps properties', () => {
    const activity = ok({
      type: 'track',
      event: 'demo_request',
      messageId: 'm-1',
      userId: 42,
      email: ' Ana@Example.COM ',
      phone: '+49 30 901820',
      properties: { plan: 'pro' },
      timestamp: '2026-06-01T11:00:00Z',
    });
    expect(activity).toMatchObject({
      kind: 'track',
      name: 'demo_request',
      messageId: 'm-1',
      userId: '42',
      email: 'ana@example.com',
      emailValid: true,
      phone: '+4930901820',
      phoneValid: true,
      properties: { plan: 'pro' },
      traits: {},
      occurredAt: '2026-06-01T11:00:00.000Z',
      timeFlag: null,
    });
  });

  it('names a page page_view, an identify identify and an alias alias; traits come from the call or its context', () => {
    expect(ok({ type: 'page', anonymousId: 'a1', messageId: 'p' }).name).toBe('page_view');
    const identify = ok({ anonymousId: 'a1', traits: { email: 'bo@example.com', plan: 'x' } }, 'identify');
    expect(identify).toMatchObject({ kind: 'identify', name: 'identify', email: 'bo@example.com', traits: { plan: 'x' } });
    expect(ok({ type: 'track', event: 'x', anonymousId: 'a', context: { traits: { email: 'c@example.com' } } }).email).toBe(
      'c@example.com',
    );
    expect(ok({ type: 'alias', userId: 'u1', previousId: 'a1' })).toMatchObject({ kind: 'alias', name: 'alias', previousId: 'a1' });
  });

  it('takes eventId when there is no messageId, and derives a content id when there is neither', () => {
    expect(ok({ type: 'page', anonymousId: 'a', eventId: 'e-9' }).messageId).toBe('e-9');
    const first = ok({ type: 'page', anonymousId: 'a', timestamp: '2026-06-01T11:00:00Z' }).messageId;
    const same = ok({ timestamp: '2026-06-01T11:00:00Z', anonymousId: 'a', type: 'page' }).messageId;
    const other = ok({ type: 'page', anonymousId: 'b', timestamp: '2026-06-01T11:00:00Z' }).messageId;
    expect(first.startsWith(DERIVED_ID_PREFIX)).toBe(true);
    expect(same).toBe(first);
    expect(other).not.toBe(first);
  });

  it('refuses, each with its code, what cannot be an event', () => {
    expect(refusal('not an object')).toBe(ErrorCodes.invalidEvent);
    expect(refusal({ type: 'screen', anonymousId: 'a' })).toBe(ErrorCodes.invalidEvent);
    expect(refusal({ type: 'track', anonymousId: 'a' })).toBe(ErrorCodes.invalidEvent);
    expect(refusal({ type: 'track', event: 'has space', anonymousId: 'a' })).toBe(ErrorCodes.invalidEvent);
    expect(refusal({ type: 'track', event: 'x'.repeat(65), anonymousId: 'a' })).toBe(ErrorCodes.invalidEvent);
    expect(refusal({ type: 'alias', userId: 'u' })).toBe(ErrorCodes.invalidEvent);
    expect(refusal({ type: 'track', event: 'x' })).toBe(ErrorCodes.missingIdentifier);
    expect(refusal({ type: 'page', anonymousId: 'a', properties: [1] })).toBe(ErrorCodes.invalidEvent);
    expect(refusal({ type: 'page', anonymousId: 'a', timestamp: 'yesterday' })).toBe(ErrorCodes.invalidEvent);
    expect(refusal({ type: 'page', anonymousId: { id: 1 } })).toBe(ErrorCodes.invalidEvent);
    expect(refusal({ type: 'page', contactId: 'not-a-uuid' })).toBe(ErrorCodes.invalidEvent);
    expect(refusal({ type: 'page', anonymousId: 'a', properties: { big: 'x'.repeat(33 * 1024) } })).toBe(ErrorCodes.eventTooLarge);
    expect(refusal({ type: 'page', anonymousId: 'a', properties: { a: { b: { c: { d: { e: 1 } } } } } })).toBe('accepted');
    expect(refusal({ type: 'page', anonymousId: 'a', properties: { a: { b: { c: { d: { e: {} } } } } } })).toBe(ErrorCodes.eventTooLarge);
  });

  it('makes text PostgreSQL can store: NUL characters and lone surrogates are cleaned, not refused', () => {
    const activity = ok({ type: 'page', anonymousId: 'a\u0000b', properties: { 'k\u0000': 'v\ud800' } });
    expect(activity.anonymousId).toBe('ab');
    expect(activity.properties).toEqual({ k: 'v\ufffd' });
  });
});
