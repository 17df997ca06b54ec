import { normalizeLanguage } from './language';

describe('normalizeLanguage', () => {
  it.each([
    ['en', 'en'],
    ['EN', 'en'],
    ['en-US', 'en'],
    ['en_GB', 'en'],
    ['zh-Hant-TW', 'zh'],
    ['German', 'de'],
    ['german', 'de'],
    [' Spanish ', 'es'],
    ['Deutsch', 'de'],
  ])('reads %j as %s', (input, expected) => {
    expect(normalizeLanguage(input)).toBe(expected);
  });

  it.each(['', '  ', 'xx', 'xx-US', 'eng', 'Klingon', '__proto__', 'constructor', 'hasOwnProperty'])('finds no language in %j', (input) => {
    expect(normalizeLanguage(input)).toBeNull();
  });

  it('finds no language in a 1 MB string', () => {
    expect(normalizeLanguage('German'.repeat(170_000))).toBeNull();
  });
});
