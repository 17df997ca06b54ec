import { normalizePhone } from './phone';

describe('normalizePhone', () => {
  it.each([
    ['+49 151 12345678', null, '+4915112345678'],
    ['+1 (202) 555-0143', null, '+12025550143'],
    ['+44 20 7946 0958', 'DE', '+442079460958'],
    ['0049 151 12345678', null, '+4915112345678'],
    ['00 49 (151) 123-456-78', 'US', '+4915112345678'],
    ['0151 12345678', 'DE', '+4915112345678'],
    ['0151/123.456.78', 'de', '+4915112345678'],
    ['(202) 555-0143', 'US', '+12025550143'],
    ['202.555.0143', 'US', '+12025550143'],
    ['011 49 151 12345678', 'US', '+4915112345678'],
    ['4915112345678', null, '+4915112345678'],
    ['4915112345678', 'DE', '+4915112345678'],
    ['4915112345678', 'FR', '+4915112345678'],
    ['15112345678', 'DE', '+4915112345678'],
    ['  +7 999 123-45-67  ', null, '+79991234567'],
  ])('reads %j with hint %s as a valid %s', (input, hint, expected) => {
    expect(normalizePhone(input, hint)).toEqual({ phone: expected, valid: true });
  });

  it('gives E.164 for a number that parses but cannot exist, flagged invalid', () => {
    expect(normalizePhone('(555) 123-4567', 'US')).toEqual({ phone: '+15551234567', valid: false });
    expect(normalizePhone('+49 123', null)).toEqual({ phone: '+49123', valid: false });
  });

  it('needs a country to read a national number', () => {
    expect(normalizePhone('0151 12345678', null)).toEqual({ phone: null, valid: false });
  });

  it('ignores a hint the phone metadata does not know', () => {
    expect(normalizePhone('0151 12345678', 'XX')).toEqual({ phone: null, valid: false });
    expect(normalizePhone('+4915112345678', 'constructor')).toEqual({ phone: '+4915112345678', valid: true });
  });

  it.each(['', 'abc', 'call me', '+', '+999 1234567', '\u0000'])('finds no number in %j', (input) => {
    expect(normalizePhone(input, 'DE')).toEqual({ phone: null, valid: false });
  });

  it('finds no number in 1 MB of digits, with or without a country code', () => {
    expect(normalizePhone('1'.repeat(1_000_000), 'DE')).toEqual({ phone: null, valid: false });
    expect(normalizePhone(`+49${'1'.repeat(1_000_000)}`, 'DE')).toEqual({ phone: null, valid: false });
  });
});
