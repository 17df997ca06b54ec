import { buildMessage, IS_ISO8601, isISO8601, ValidateBy, type ValidationOptions } from 'class-validator';

/**
 * `YYYY-MM-DDTHH:MM:SS[.fraction]Z` with a year from 1000: what `Date.prototype.toISOString` writes,
 * and so nearly every timestamp an event carries.
 */
const CANONICAL_UTC = /^[1-9]\d{3}-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12]\d|3[01])T(?:[01]\d|2[0-3]):[0-5]\d:[0-5]\d(?:\.\d+)?Z$/;
const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/**
 * class-validator's `isISO8601(value, { strict: true })` (an ISO 8601 string of a date that exists:
 * 2026-02-30 is refused), answered without its general pattern for the canonical UTC form: there
 * the answer is whether the day exists in its month. Every other string gets class-validator's own
 * answer. The two agree on every string (`iso-timestamp.spec.ts` compares them).
 */
export function isStrictIso8601(value: unknown): boolean {
  if (typeof value !== 'string') return false;
  if (!CANONICAL_UTC.test(value)) return isISO8601(value, { strict: true });
  // The pattern fixed where the digits are (YYYY-MM-DD…): read without a match or a substring.
  const year = digits(value, 0, 4);
  const month = digits(value, 5, 2);
  const day = digits(value, 8, 2);
  const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
  return day <= (month === 2 && leap ? 29 : (DAYS_IN_MONTH[month - 1] as number));
}

/** The number written by `count` ASCII digits of `text` from `at`. */
function digits(text: string, at: number, count: number): number {
  let n = 0;
  for (let i = at; i < at + count; i += 1) n = n * 10 + text.charCodeAt(i) - 48;
  return n;
}

/** class-validator's `@IsISO8601({ strict: true })`, same name and message, checked with `isStrictIso8601`. */
export function IsStrictISO8601(validationOptions?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: IS_ISO8601,
      constraints: [{ strict: true }],
      validator: {
        validate: (value: unknown) => isStrictIso8601(value),
        defaultMessage: buildMessage((eachPrefix) => `${eachPrefix}$property must be a valid ISO 8601 date string`, validationOptions),
      },
    },
    validationOptions,
  );
}
