/**
 * Money: an exact number of minor units (bigint) in one ISO 4217 currency, serialized as
 * `{"amount": "129900", "currency": "EUR"}` with the amount as a string, because JSON numbers
 * lose integers above 2^53. No float ever holds an amount: decimal text is read digit by digit.
 */
import { registerDecorator, type ValidationArguments, type ValidationOptions } from 'class-validator';

export const MoneyErrorCodes = {
  invalidCurrency: 'invalid_currency',
  invalidAmount: 'invalid_amount',
  /** More decimals than the currency has (1.005 EUR): never rounded. */
  tooManyDecimals: 'too_many_decimals',
  /** Outside PostgreSQL's bigint, where amounts are stored. */
  amountOutOfRange: 'amount_out_of_range',
  currencyMismatch: 'currency_mismatch',
} as const;
export type MoneyErrorCode = (typeof MoneyErrorCodes)[keyof typeof MoneyErrorCodes];

export class MoneyException extends Error {
  constructor(
    readonly code: MoneyErrorCode,
    message: string,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

/** Adding or comparing amounts of two currencies: there is no rate here to convert with. */
export class CurrencyMismatchException extends MoneyException {
  constructor(
    readonly expected: string,
    readonly actual: string,
  ) {
    super(MoneyErrorCodes.currencyMismatch, `cannot combine ${expected} with ${actual}`);
  }
}

/*
 * ISO 4217 List One (published 2024-06-25), active currencies and funds with their minor units.
 * Codes without minor units (precious metals XAU, XAG, XPD, XPT; bond units XBA-XBD; XDR, XSU,
 * XUA; the XTS and XXX placeholders) are left out: they are not amounts of money one counts in
 * cents. When ISO amends the list, amend it here (a maintained package such as `currency-codes`
 * could replace this table).
 */
const TWO_DECIMALS =
  'AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BMD BND BOB BOV BRL BSD BTN BWP BYN BZD CAD CDF CHE CHF ' +
  'CHW CNY COP COU CRC CUC CUP CVE CZK DKK DOP DZD EGP ERN ETB EUR FJD FKP GBP GEL GHS GIP GMD GTQ GYD HKD HNL HTG ' +
  'HUF IDR ILS INR IRR JMD KES KGS KHR KPW KYD KZT LAK LBP LKR LRD LSL MAD MDL MGA MKD MMK MNT MOP MRU MUR MVR MWK ' +
  'MXN MXV MYR MZN NAD NGN NIO NOK NPR NZD PAB PEN PGK PHP PKR PLN QAR RON RSD RUB SAR SBD SCR SDG SEK SGD SHP SLE ' +
  'SOS SRD SSP STN SVC SYP SZL THB TJS TMT TOP TRY TTD TWD TZS UAH USD USN UYU UZS VED VES WST XCD YER ZAR ZMW ZWG ' +
  // The Caribbean guilder, replacing ANG from 2025 (ISO 4217 amendment 176).
  'XCG';
const ZERO_DECIMALS = 'BIF CLP DJF GNF ISK JPY KMF KRW PYG RWF UGX UYI VND VUV XAF XOF XPF';
const THREE_DECIMALS = 'BHD IQD JOD KWD LYD OMR TND';
const FOUR_DECIMALS = 'CLF UYW';

const MINOR_UNITS: ReadonlyMap<string, number> = new Map(
  (
    [
      [TWO_DECIMALS, 2],
      [ZERO_DECIMALS, 0],
      [THREE_DECIMALS, 3],
      [FOUR_DECIMALS, 4],
    ] as const
  ).flatMap(([codes, exponent]) => codes.split(' ').map((code) => [code, exponent] as const)),
);

/** PostgreSQL's bigint, the column every amount is stored in. */
export const MIN_MINOR_UNITS = -(2n ** 63n);
export const MAX_MINOR_UNITS = 2n ** 63n - 1n;

const CURRENCY_FORMAT = /^[A-Z]{3}$/;
/** Minor units as text, as `toJSON` writes them: no leading zeros, no plus, no "-0", no spaces. */
export const MINOR_UNITS_PATTERN = /^(0|-?[1-9][0-9]*)$/;
const MAJOR_UNITS_PATTERN = /^(-?)([0-9]+)(?:\.([0-9]+))?$/;
// Longer than any amount in range with every decimal a currency has; spares BigInt a huge string.
const MAX_AMOUNT_TEXT = 40;

/** An upper-case ISO 4217 code of a currency that has minor units (`EUR`, `JPY`; not `eur`, `XAU`). */
export function isCurrencyCode(code: unknown): code is string {
  return typeof code === 'string' && CURRENCY_FORMAT.test(code) && MINOR_UNITS.has(code);
}

/** How many decimals the currency's minor unit has: EUR 2, JPY 0, BHD 3, CLF 4. */
export function currencyExponent(currency: string): number {
  const exponent = isCurrencyCode(currency) ? MINOR_UNITS.get(currency) : undefined;
  if (exponent === undefined)
    throw new MoneyException(MoneyErrorCodes.invalidCurrency, `${describe(currency)} is not an ISO 4217 currency code`);
  return exponent;
}

export interface MoneyJson {
  /** Minor units as a decimal string: "129900" is 1299.00 EUR. */
  amount: string;
  /** ISO 4217, upper case. */
  currency: string;
}

export class Money {
  private constructor(
    readonly amount: bigint,
    readonly currency: string,
  ) {}

  static of(amount: bigint, currency: string): Money {
    currencyExponent(currency);
    return new Money(inRange(amount), currency);
  }

  static zero(currency: string): Money {
    return Money.of(0n, currency);
  }

  /**
   * From major units as decimal text: "1299.00" EUR is 129900n, "1299" JPY is 1299n. More decimals
   * than the currency has is `too_many_decimals`, unless they are zeros ("1299.000" EUR is exact).
   */
  static fromMajorUnits(text: string, currency: string): Money {
    const exponent = currencyExponent(currency);
    const match = text.length <= MAX_AMOUNT_TEXT ? MAJOR_UNITS_PATTERN.exec(text) : null;
    if (!match) throw new MoneyException(MoneyErrorCodes.invalidAmount, `${describe(text)} is not a decimal amount`);
    const [, sign, whole, fraction = ''] = match;
    const kept = fraction.slice(0, exponent);
    if (/[^0]/.test(fraction.slice(exponent))) {
      throw new MoneyException(MoneyErrorCodes.tooManyDecimals, `${text} has more than ${exponent} decimals for ${currency}`);
    }
    const digits = BigInt(whole + kept.padEnd(exponent, '0'));
    return new Money(inRange(sign === '-' ? -digits : digits), currency);
  }

  /** From `{"amount": "<minor units>", "currency": "EUR"}`; anything else is a `MoneyException`. */
  static fromJSON(value: unknown): Money {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      throw new MoneyException(MoneyErrorCodes.invalidAmount, 'money must be an object with amount and currency');
    }
    const { amount, currency } = value as Record<string, unknown>;
    if (!isCurrencyCode(currency)) {
      throw new MoneyException(MoneyErrorCodes.invalidCurrency, `${describe(currency)} is not an ISO 4217 currency code`);
    }
    return new Money(parseMinorUnits(amount), currency);
  }

  get exponent(): number {
    return currencyExponent(this.currency);
  }

  plus(other: Money): Money {
    this.assertSameCurrency(other);
    return new Money(inRange(this.amount + other.amount), this.currency);
  }

  minus(other: Money): Money {
    this.assertSameCurrency(other);
    return new Money(inRange(this.amount - other.amount), this.currency);
  }

  negated(): Money {
    return new Money(inRange(-this.amount), this.currency);
  }

  /** -1, 0 or 1; two currencies cannot be ordered without a rate, so that throws. */
  compare(other: Money): -1 | 0 | 1 {
    this.assertSameCurrency(other);
    return this.amount < other.amount ? -1 : this.amount > other.amount ? 1 : 0;
  }

  /** Same currency and amount; amounts in two currencies are simply not equal. */
  equals(other: Money): boolean {
    return this.currency === other.currency && this.amount === other.amount;
  }

  isZero(): boolean {
    return this.amount === 0n;
  }

  isNegative(): boolean {
    return this.amount < 0n;
  }

  /** Major units as decimal text with all the currency's decimals: "1299.00", "-0.05", "1299" (JPY). */
  toMajorUnits(): string {
    const exponent = this.exponent;
    const digits = (this.amount < 0n ? -this.amount : this.amount).toString().padStart(exponent + 1, '0');
    const sign = this.amount < 0n ? '-' : '';
    if (exponent === 0) return sign + digits;
    return `${sign}${digits.slice(0, -exponent)}.${digits.slice(-exponent)}`;
  }

  toJSON(): MoneyJson {
    return { amount: this.amount.toString(), currency: this.currency };
  }

  toString(): string {
    return `${this.toMajorUnits()} ${this.currency}`;
  }

  /** The sum of amounts that must all be in `currency` (which names the currency of an empty list). */
  static sum(amounts: readonly Money[], currency: string): Money {
    return amounts.reduce((total, amount) => total.plus(amount), Money.zero(currency));
  }

  private assertSameCurrency(other: Money): void {
    if (other.currency !== this.currency) throw new CurrencyMismatchException(this.currency, other.currency);
  }
}

function parseMinorUnits(amount: unknown): bigint {
  if (typeof amount !== 'string' || amount.length > MAX_AMOUNT_TEXT || !MINOR_UNITS_PATTERN.test(amount)) {
    throw new MoneyException(MoneyErrorCodes.invalidAmount, `${describe(amount)} is not a whole number of minor units as a string`);
  }
  return inRange(BigInt(amount));
}

function inRange(amount: bigint): bigint {
  if (amount < MIN_MINOR_UNITS || amount > MAX_MINOR_UNITS) {
    throw new MoneyException(MoneyErrorCodes.amountOutOfRange, `${amount} minor units do not fit a bigint column`);
  }
  return amount;
}

function describe(value: unknown): string {
  return typeof value === 'string' ? JSON.stringify(value.slice(0, 50)) : typeof value;
}

export interface MoneyValidationOptions {
  /** Refunds and corrections may be negative; prices and deal amounts may not (the default). */
  allowNegative?: boolean;
}

/** Why `value` is not a valid money payload, or null when it is one. */
export function moneyPayloadError(value: unknown, options: MoneyValidationOptions = {}): string | null {
  try {
    const money = Money.fromJSON(value);
    if (money.isNegative() && !options.allowNegative) return 'amount must not be negative';
    return null;
  } catch (error) {
    if (error instanceof MoneyException) return error.message;
    throw error;
  }
}

/**
 * class-validator: the property is `{"amount": "<minor units>", "currency": "<ISO 4217>"}`, the
 * amount a string of digits within bigint, the currency one with minor units.
 */
export function IsMoney(options: MoneyValidationOptions = {}, validationOptions?: ValidationOptions): PropertyDecorator {
  return (target: object, propertyName: string | symbol) => {
    registerDecorator({
      name: 'isMoney',
      target: target.constructor,
      propertyName: propertyName.toString(),
      options: validationOptions,
      validator: {
        validate: (value: unknown) => moneyPayloadError(value, options) === null,
        defaultMessage: (args?: ValidationArguments) =>
          `${args?.property ?? 'value'} must be money {"amount": "<minor units>", "currency": "<ISO 4217>"}: ${moneyPayloadError(args?.value, options)}`,
      },
    });
  };
}

/** class-validator: the property is an ISO 4217 code of a currency with minor units. */
export function IsCurrencyCode(validationOptions?: ValidationOptions): PropertyDecorator {
  return (target: object, propertyName: string | symbol) => {
    registerDecorator({
      name: 'isCurrencyCode',
      target: target.constructor,
      propertyName: propertyName.toString(),
      options: validationOptions,
      validator: {
        validate: (value: unknown) => isCurrencyCode(value),
        defaultMessage: (args?: ValidationArguments) => `${args?.property ?? 'value'} must be an upper-case ISO 4217 currency code`,
      },
    });
  };
}

/** class-validator: minor units as a string, within bigint (negative only when allowed). */
export function IsMinorUnits(options: MoneyValidationOptions = {}, validationOptions?: ValidationOptions): PropertyDecorator {
  return (target: object, propertyName: string | symbol) => {
    registerDecorator({
      name: 'isMinorUnits',
      target: target.constructor,
      propertyName: propertyName.toString(),
      options: validationOptions,
      validator: {
        validate: (value: unknown) => {
          try {
            return parseMinorUnits(value) >= 0n || options.allowNegative === true;
          } catch {
            return false;
          }
        },
        defaultMessage: (args?: ValidationArguments) =>
          `${args?.property ?? 'value'} must be a whole number of minor units as a string${options.allowNegative ? '' : ', not negative'}`,
      },
    });
  };
}

/**
 * A money payload as a DTO, for `@ValidateNested()` with class-transformer's `@Type(() => MoneyDto)`;
 * without class-transformer, put `@IsMoney()` on the property instead. Amounts are not negative.
 */
export class MoneyDto implements MoneyJson {
  @IsMinorUnits()
  amount!: string;

  @IsCurrencyCode()
  currency!: string;
}
