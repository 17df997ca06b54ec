import type { LeadAttributedData, LeadIngestedData, StageChangedData } from '@leadflow/contracts';
import { leadAttributedIncrement, leadIngestedIncrement, stageChangedIncrement, UncountableEventError } from './counter-increments';
import { dimensionValue, MAX_DIMENSION_LENGTH } from './lead-daily-counters';

const ingested: LeadIngestedData = {
  leadId: '0195f0b4-7c1e-7000-8000-000000000001',
  source: 'landing',
  receivedAt: '2026-03-01T23:30:00-02:00',
  email: null,
  emailValid: false,
  phone: null,
  phoneValid: false,
  country: 'DE',
  offer: 'summer',
  firstName: null,
  lastName: null,
};

describe('leadIngestedIncrement', () => {
  it('counts one lead on the UTC day of receivedAt under its source, offer and country', () => {
    expect(leadIngestedIncrement(ingested)).toEqual({
      leadId: ingested.leadId,
      increment: { day: '2026-03-02', source: 'landing', offer: 'summer', country: 'DE', column: 'leads' },
    });
  });

  it("stores an absent offer or country as ''", () => {
    const { increment } = leadIngestedIncrement({ ...ingested, offer: null, country: null });
    expect(increment).toMatchObject({ offer: '', country: '' });
  });

  it('refuses a timestamp that falls on no day a counter can hold, naming the field', () => {
    // Such data passes the contract's ISO 8601 check; the day is what metrics needs of it.
    for (const receivedAt of ['9999-12-31T23:30:00-01:00', '2026-03-02T10:00:00+0100']) {
      expect(() => leadIngestedIncrement({ ...ingested, receivedAt })).toThrow(UncountableEventError);
      expect(() => leadIngestedIncrement({ ...ingested, receivedAt })).toThrow(/data\.receivedAt/);
    }
  });
});

describe('leadAttributedIncrement', () => {
  const attributed: LeadAttributedData = {
    leadId: ingested.leadId,
    contactId: '0195f0b4-7c1e-7000-8000-0000000000c1',
    isNewContact: true,
    source: 'partner',
    offer: null,
    country: 'FR',
    receivedAt: '2026-03-05T10:00:00.000Z',
    emailValid: true,
    phoneValid: false,
  };

  it('counts a new contact or a returning one', () => {
    expect(leadAttributedIncrement(attributed).increment).toEqual({
      day: '2026-03-05',
      source: 'partner',
      offer: '',
      country: 'FR',
      column: 'new_contacts',
    });
    expect(leadAttributedIncrement({ ...attributed, isNewContact: false }).increment.column).toBe('returning_contacts');
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
