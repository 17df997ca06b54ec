/** Languages as ISO 639-1, from a code, a locale tag or a name. */
import ISO6391 from 'iso-639-1';

// Longer than any name the library knows; spares the lookup for junk.
const MAX_NAME_LENGTH = 100;
// 'en', 'EN', 'en-US', 'en_GB', 'zh-Hant-TW': the primary subtag decides.
const LANGUAGE_TAG = /^([a-z]{2})(?:[-_][a-z0-9]{1,8})*$/i;

/**
 * A two-letter code or a locale tag, or a language name in English ('German') or in the language
 * itself ('Deutsch'), as lower-case ISO 639-1; null when it names no language.
 */
export function normalizeLanguage(input: string): string | null {
  const text = input.trim().replace(/\s+/g, ' ');
  const tag = LANGUAGE_TAG.exec(text);
  if (tag) {
    const code = tag[1].toLowerCase();
    return ISO6391.validate(code) ? code : null;
  }
  if (text === '' || text.length > MAX_NAME_LENGTH) return null;
  return ISO6391.getCode(text) || null;
}
