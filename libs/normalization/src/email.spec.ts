import { normalizeEmail } from './email';

describe('normalizeEmail', () => {
  it('trims and lower-cases the address', () => {
    expect(normalizeEmail('  Anna.Schmidt@Example.COM \n')).toEqual({ email: 'anna.schmidt@example.com', valid: true });
  });

  it.each([
    'a@b.de',
    'first.last+tag@sub.example.co.uk',
    "o'neil@example.ie",
    'user_name-1@my-domain.org',
    'x@xn--mller-kva.de',
    'kunde@müller.de',
    `${'l'.repeat(64)}@example.com`,
  ])('accepts %s', (input) => {
    expect(normalizeEmail(input).valid).toBe(true);
  });

  it.each([
    ['no at sign', 'anna.example.com'],
    ['two at signs', 'anna@b@example.com'],
    ['an empty local part', '@example.com'],
    ['a local part over 64 characters', `${'l'.repeat(65)}@example.com`],
    ['a space inside', 'anna schmidt@example.com'],
    ['a domain without a dot', 'anna@localhost'],
    ['an empty domain label', 'anna@example..com'],
    ['a label starting with a hyphen', 'anna@-example.com'],
    ['a label ending with a hyphen', 'anna@example-.com'],
    ['a label over 63 characters', `anna@${'d'.repeat(64)}.com`],
    ['a trailing dot in the local part', 'anna.@example.com'],
    ['consecutive dots in the local part', 'an..na@example.com'],
    ['an IP address as domain', 'anna@192.168.0.1'],
    ['a total over 254 characters', `anna@${['d', 'e', 'f', 'g'].map((c) => c.repeat(62)).join('.')}.com`],
    ['an empty string', ''],
    ['a NUL character', 'anna\u0000@example.com'],
    ['a 1 MB string', `${'a'.repeat(1_000_000)}@example.com`],
  ])('flags an address with %s as invalid', (_, input) => {
    expect(normalizeEmail(input).valid).toBe(false);
  });

  it('keeps an invalid address, normalized', () => {
    expect(normalizeEmail(' Not An Email ')).toEqual({ email: 'not an email', valid: false });
  });
});
