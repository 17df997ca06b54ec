import { InvalidEventDataError, leadAttributedIncrement, leadIngestedIncrement, stageChangedIncrement } from './counter-increments';
import { dimensionValue, MAX_DIMENSION_LENGTH } from './lead-daily-counters';

const ingested = {
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
    const { increment } = leadIngestedIncrement({ ...ingested, offer: null, country: undefined });
    expect(increment).toMatchObject({ offer: '', country: '' });
  });

  it('refuses data that breaks the contract, naming the field', () => {
    const bad: Array<[unknown, RegExp]> = [
      [null, /not an object/],
      [[], /not an object/],
      [{ ...ingested, leadId: 5 }, /leadId/],
      [{ ...ingested, leadId: '' }, /leadId/],
      [{ ...ingested, leadId: 'x'.repeat(129) }, /leadId/],
      [{ ...ingested, source: null }, /source/],
      [{ ...ingested, offer: 7 }, /offer/],
      [{ ...ingested, receivedAt: 'yesterday' }, /receivedAt/],
      [{ ...ingested, receivedAt: '2026-02-30T10:00:00Z' }, /receivedAt/],
    ];
    for (const [data, message] of bad) {
      expect(() => leadIngestedIncrement(data)).toThrow(InvalidEventDataError);
      expect(() => leadIngestedIncrement(data)).toThrow(message);
    }
  });
});

describe('leadAttributedIncrement', () => {
  const attributed = {
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

  it('refuses an isNewContact that is not a boolean', () => {
    expect(() => leadAttributedIncrement({ ...attributed, isNewContact: 'yes' })).toThrow(/isNewContact/);
  });
});

describe('stageChangedIncrement', () => {
  const changed = {
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

  it('refuses a stage it does not know, so that no column name comes from event data', () => {
    expect(() => stageChangedIncrement({ ...changed, to: 'leads = 0, x' })).toThrow(/data\.to/);
    expect(() => stageChangedIncrement({ ...changed, at: undefined })).toThrow(/data\.at/);
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
