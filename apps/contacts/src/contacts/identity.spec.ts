import { identitiesOf, identityLockKey, survivorOf } from './identity';

describe('identities of a lead', () => {
  it('uses a valid email and a valid phone', () => {
    expect(identitiesOf({ email: 'ana@example.com', emailValid: true, phone: '+4930901820', phoneValid: true })).toEqual([
      { kind: 'email', value: 'ana@example.com' },
      { kind: 'phone', value: '+4930901820' },
    ]);
  });

  it('ignores invalid values, so that placeholders never tie strangers together', () => {
    expect(identitiesOf({ email: 'n/a', emailValid: false, phone: '+1000', phoneValid: false })).toEqual([]);
  });

  it('keys locks by workspace, kind and value', () => {
    expect(identityLockKey('w1', { kind: 'email', value: 'a@b.co' })).not.toBe(identityLockKey('w2', { kind: 'email', value: 'a@b.co' }));
  });
});

describe('the survivor of a merge', () => {
  const older = { id: 'b', created_at: new Date('2026-01-01T00:00:00Z') };
  const newer = { id: 'a', created_at: new Date('2026-01-02T00:00:00Z') };

  it('is the older contact, whichever way round they come', () => {
    expect(survivorOf(older, newer)).toEqual({ survivor: older, merged: newer });
    expect(survivorOf(newer, older)).toEqual({ survivor: older, merged: newer });
  });

  it('is the smaller id when both were created at the same instant', () => {
    const twin = { id: 'c', created_at: older.created_at };
    expect(survivorOf(twin, older).survivor).toBe(older);
  });
});
