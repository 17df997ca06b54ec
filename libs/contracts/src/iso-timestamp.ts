import { buildMessage, IS_ISO8601, isISO8601, ValidateBy, type ValidationOptions } from 'class-validator';

/**
 * `YYYY-MM-DDTHH:MM:SS[.fraction]Z` with a year from 1000: what `Date.prototype.toISOString` writes,
 * and so nearly every timestamp an event carries.
 */
const CANONICAL_UTC = /^([1-9]\d{3})-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])T(?:[01]\d|2[0-3]):[0-5]\d:[0-5]\d(?:\.\d+)?Z$/;
const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/**
 * class-validator's `isISO8601(value, { strict: true })` (an ISO 8601 string of a date that exists:
 * 2026-02-30 is refused), answered without its general pattern for the canonical UTC form: there
 * the answer is whether the day exists in its month. Every other string gets class-validator's own
 * answer. The two agree on every string (`iso-timestamp.spec.ts` compares them).
 */
export function isStrictIso8601(value: unknown): boolean {
  if (typeof value !== 'string') return false;
  const canonical = CANONICAL_UTC.exec(value);
  if (!canonical) return isISO8601(value, { strict: true });
  const year = Number(canonical[1]);
  const month = Number(canonical[2]);
  const day = Number(canonical[3]);
  const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
  return day <= (month === 2 && leap ? 29 : (DAYS_IN_MONTH[month - 1] as number));
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
