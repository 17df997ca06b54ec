import { normalizeCountry } from './country';

describe('normalizeCountry', () => {
  it.each([
    ['DE', 'DE'],
    ['de', 'DE'],
    [' fr ', 'FR'],
    ['DEU', 'DE'],
    ['usa', 'US'],
    ['Germany', 'DE'],
    ['united states', 'US'],
    ['United  Kingdom', 'GB'],
    ["Côte d'Ivoire", 'CI'],
    ["cote d'ivoire", 'CI'],
    ['UK', 'GB'],
    ['uk', 'GB'],
  ])('reads %j as %s', (input, expected) => {
    expect(normalizeCountry(input)).toBe(expected);
  });

  it.each(['', '   ', 'XX', 'ZZZ', 'Atlantis', '276', 'D E', '__proto__', 'constructor', 'toString'])('finds no country in %j', (input) => {
    expect(normalizeCountry(input)).toBeNull();
  });

  it('finds no country in a 1 MB string', () => {
    expect(normalizeCountry('Germany'.repeat(150_000))).toBeNull();
  });
});
