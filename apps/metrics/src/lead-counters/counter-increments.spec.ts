import type { LeadAttributedData, StageChangedData } from '@leadflow/contracts';
import { leadAttributedIncrements, stageChangedIncrement, UncountableEventError } from './counter-increments';
import { dimensionValue, MAX_DIMENSION_LENGTH } from './lead-daily-counters';

describe('leadAttributedIncrements', () => {
  const attributed: LeadAttributedData = {
    leadId: '0195f0b4-7c1e-7000-8000-000000000001',
    contactId: '0195f0b4-7c1e-7000-8000-0000000000c1',
    isNewContact: true,
    source: 'landing',
    offer: 'summer',
    country: 'DE',
    receivedAt: '2026-03-01T23:30:00-02:00',
    emailValid: true,
    phoneValid: false,
  };

  it('counts one lead and one new contact on the UTC day of receivedAt under its source, offer and country', () => {
    const dimensions = { day: '2026-03-02', source: 'landing', offer: 'summer', country: 'DE' };
    expect(leadAttributedIncrements(attributed)).toEqual([
      { leadId: attributed.leadId, key: 'lead.ingested', increment: { ...dimensions, column: 'leads' } },
      { leadId: attributed.leadId, key: 'lead.attributed', increment: { ...dimensions, column: 'new_contacts' } },
    ]);
  });

  it('counts a returning contact for a lead of a known one', () => {
    const [lead, contact] = leadAttributedIncrements({ ...attributed, isNewContact: false });
    expect(lead?.increment.column).toBe('leads');
    expect(contact?.increment.column).toBe('returning_contacts');
  });

  it("stores an absent offer or country as ''", () => {
    for (const { increment } of leadAttributedIncrements({ ...attributed, offer: null, country: null })) {
      expect(increment).toMatchObject({ offer: '', country: '' });
    }
  });

  it('refuses a timestamp that falls on no day a counter can hold, naming the field', () => {
    // Such data passes the contract's ISO 8601 check; the day is what metrics needs of it.
    for (const receivedAt of ['9999-12-31T23:30:00-01:00', '2026-03-02T10:00:00+0100']) {
      expect(() => leadAttributedIncrements({ ...attributed, receivedAt })).toThrow(UncountableEventError);
      expect(() => leadAttributedIncrements({ ...attributed, receivedAt })).toThrow(/data\.receivedAt/);
    }
  });
});

describe('stageChangedIncrement', () => {
  const changed: StageChangedData = {
    contactId: 'c1',
    from: 'cold',
    to: 'hot',
    at: '2026-03-01T00:00:00Z',
    source: 'landing',
    offer: 'summer',
    country: null,
  };

  it('counts an entry into the stage it moved to, on the UTC day of `at`', () => {
    expect(stageChangedIncrement(changed)).toEqual({
      day: '2026-03-01',
      source: 'landing',
      offer: 'summer',
      country: '',
      column: 'entered_hot',
    });
    expect(stageChangedIncrement({ ...changed, to: 'qualified' }).column).toBe('entered_qualified');
  });

  it('refuses an `at` that falls on no day a counter can hold, naming the field', () => {
    expect(() => stageChangedIncrement({ ...changed, at: '9999-12-31T23:00:00-02:00' })).toThrow(/data\.at/);
  });
});

describe('dimensionValue', () => {
  it("maps null and undefined to ''", () => {
    expect(dimensionValue(null)).toBe('');
    expect(dimensionValue(undefined)).toBe('');
    expect(dimensionValue('')).toBe('');
  });

  it('keeps ordinary values as they are', () => {
    expect(dimensionValue('Summer Sale ☀️')).toBe('Summer Sale ☀️');
  });

  it('drops NUL characters, which PostgreSQL text cannot hold', () => {
    expect(dimensionValue('a\u0000b')).toBe('ab');
  });

  it('cuts long values to the maximum without splitting a surrogate pair', () => {
    expect(dimensionValue('x'.repeat(500))).toBe('x'.repeat(MAX_DIMENSION_LENGTH));
    const cut = dimensionValue(`${'x'.repeat(MAX_DIMENSION_LENGTH - 1)}😀tail`);
    expect(cut).toBe('x'.repeat(MAX_DIMENSION_LENGTH - 1));
  });
});
