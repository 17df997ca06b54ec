/** Phone numbers as E.164, read with the full libphonenumber metadata (the small set calls invalid numbers valid). */
import {
  type CountryCode,
  getCountryCallingCode,
  isSupportedCountry,
  parsePhoneNumberFromString,
  type PhoneNumber,
} from 'libphonenumber-js/max';

/**
 * `phone` is E.164 whenever the text parses as a number, even one that cannot exist; `valid` says
 * whether it can. `countryHint` (alpha-2) reads national numbers. Digits without '+' are also
 * tried as an international number, because feeds often drop the '+' (or send the number as a
 * JSON number): that reading wins when it is valid and the national one is not, or when it carries
 * the hinted country's own calling code ('4915112345678' with hint DE).
 */
export function normalizePhone(input: string, countryHint: string | null): { phone: string | null; valid: boolean } {
  const number = parsePhone(input.trim(), supportedCountry(countryHint));
  return { phone: number?.number ?? null, valid: number?.isValid() ?? false };
}

function parsePhone(text: string, country: CountryCode | undefined): PhoneNumber | undefined {
  if (text.startsWith('+')) return parse(text);
  // '00' is the international prefix in most of the world; the parser knows it only for a hinted country that uses it.
  if (text.startsWith('00')) return parse(`+${text.slice(2)}`);
  const national = country ? parse(text, country) : undefined;
  const international = /^[0-9]/.test(text) ? parse(`+${text}`) : undefined;
  if (international?.isValid() && (!national?.isValid() || hasCallingCodeOf(international, country))) return international;
  return national;
}

function hasCallingCodeOf(number: PhoneNumber, country: CountryCode | undefined): boolean {
  return country !== undefined && number.countryCallingCode === getCountryCallingCode(country);
}

function supportedCountry(hint: string | null): CountryCode | undefined {
  const code = hint?.trim().toUpperCase();
  return code && isSupportedCountry(code) ? code : undefined;
}

function parse(text: string, defaultCountry?: CountryCode): PhoneNumber | undefined {
  try {
    return parsePhoneNumberFromString(text, defaultCountry ? { defaultCountry } : undefined);
  } catch {
    // Documented never to throw; a lead's other fields must not be lost should it ever do so.
    return undefined;
  }
}
