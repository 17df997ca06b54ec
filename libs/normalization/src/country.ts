/** Countries as ISO 3166-1 alpha-2, from whatever spelling a lead sends. */
import * as countries from 'i18n-iso-countries';

// Longer than any English country name the library knows; spares a full name scan for junk.
const MAX_NAME_LENGTH = 100;
const ALPHA_2 = /^[A-Z]{2}$/;
const ALPHA_3 = /^[A-Z]{3}$/;
// Common in lead feeds though not ISO: the United Kingdom's code is GB.
const ALIASES = new Map([['UK', 'GB']]);

/**
 * An alpha-2 code (any case), an alpha-3 code or an English name ('Germany', 'united states',
 * "cote d'ivoire") as upper-case alpha-2; null when it names no country. Numeric codes are not
 * read: a bare number in a lead is more often a phone prefix than ISO 3166 numeric.
 */
export function normalizeCountry(input: string): string | null {
  const text = input.trim().replace(/\s+/g, ' ');
  if (text === '' || text.length > MAX_NAME_LENGTH) return null;
  return fromCode(text.toUpperCase()) ?? countries.getSimpleAlpha2Code(text, 'en') ?? null;
}

function fromCode(code: string): string | undefined {
  const alias = ALIASES.get(code);
  if (alias) return alias;
  if (ALPHA_2.test(code)) return countries.isValid(code) ? code : undefined;
  if (ALPHA_3.test(code) && countries.isValid(code)) return countries.alpha3ToAlpha2(code);
  return undefined;
}
