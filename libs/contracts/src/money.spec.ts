import { validateSync } from 'class-validator';
import {
  CurrencyMismatchException,
  currencyExponent,
  IsCurrencyCode,
  IsMoney,
  isCurrencyCode,
  MAX_MINOR_UNITS,
  MIN_MINOR_UNITS,
  Money,
  MoneyDto,
  MoneyException,
  type MoneyJson,
} from './money';

function moneyError(action: () => unknown): string {
  try {
    action();
  } catch (error) {
    if (error instanceof MoneyException) return error.code;
    throw error;
  }
  throw new Error('expected a MoneyException');
}

describe('currencies', () => {
  it('knows the ISO 4217 minor units of currencies that do not have two decimals', () => {
    expect(currencyExponent('EUR')).toBe(2);
    expect(currencyExponent('USD')).toBe(2);
    expect(currencyExponent('JPY')).toBe(0);
    expect(currencyExponent('KRW')).toBe(0);
    expect(currencyExponent('BHD')).toBe(3);
    expect(currencyExponent('KWD')).toBe(3);
    expect(currencyExponent('CLF')).toBe(4);
    // ISO differs from what browsers display here: forint and rupiah keep two decimals, the Iraqi dinar three.
    expect(currencyExponent('HUF')).toBe(2);
    expect(currencyExponent('IDR')).toBe(2);
    expect(currencyExponent('IQD')).toBe(3);
  });

  it('refuses lower case, unknown codes and units that have no minor unit', () => {
    for (const code of ['eur', 'Eur', 'EURO', 'EU', '', ' EUR', 'ABC', 'XAU', 'XXX', 'XTS', 'XDR']) {
      expect({ code, valid: isCurrencyCode(code) }).toEqual({ code, valid: false });
      expect(moneyError(() => currencyExponent(code))).toBe('invalid_currency');
    }
    expect(isCurrencyCode(978)).toBe(false);
  });
});

describe('Money from major units', () => {
  it('converts decimal text exactly, whatever the currency has as decimals', () => {
    expect(Money.fromMajorUnits('1299.00', 'EUR').amount).toBe(129900n);
    expect(Money.fromMajorUnits('1299', 'EUR').amount).toBe(129900n);
    expect(Money.fromMajorUnits('1299.5', 'EUR').amount).toBe(129950n);
    expect(Money.fromMajorUnits('0.07', 'EUR').amount).toBe(7n);
    expect(Money.fromMajorUnits('-0.07', 'EUR').amount).toBe(-7n);
    expect(Money.fromMajorUnits('1299', 'JPY').amount).toBe(1299n);
    expect(Money.fromMajorUnits('1.234', 'BHD').amount).toBe(1234n);
    expect(Money.fromMajorUnits('1.2345', 'CLF').amount).toBe(12345n);
  });

  it('keeps amounts no float could hold', () => {
    expect(Money.fromMajorUnits('90071992547409.93', 'EUR').amount).toBe(9007199254740993n);
    expect(Money.fromMajorUnits('0.1', 'EUR').plus(Money.fromMajorUnits('0.2', 'EUR')).toMajorUnits()).toBe('0.30');
  });

  it('refuses more decimals than the currency has instead of rounding, but accepts trailing zeros, which lose nothing', () => {
    expect(moneyError(() => Money.fromMajorUnits('1.005', 'EUR'))).toBe('too_many_decimals');
    expect(moneyError(() => Money.fromMajorUnits('1299.5', 'JPY'))).toBe('too_many_decimals');
    expect(moneyError(() => Money.fromMajorUnits('1.2345', 'BHD'))).toBe('too_many_decimals');
    expect(moneyError(() => Money.fromMajorUnits('0.0000001', 'EUR'))).toBe('too_many_decimals');
    expect(Money.fromMajorUnits('1299.000', 'EUR').amount).toBe(129900n);
    expect(Money.fromMajorUnits('1299.00', 'JPY').amount).toBe(1299n);
  });

  it('refuses text that is not a plain decimal number', () => {
    for (const text of [
      '',
      ' 1.00',
      '1.00 ',
      '+1.00',
      '1,00',
      '1.',
      '.5',
      '1e3',
      '0x10',
      'NaN',
      'Infinity',
      '1.2.3',
      '--1',
      '1_000',
      '١٢',
    ]) {
      expect({ text, code: moneyError(() => Money.fromMajorUnits(text, 'EUR')) }).toEqual({ text, code: 'invalid_amount' });
    }
    expect(moneyError(() => Money.fromMajorUnits('1'.repeat(41), 'EUR'))).toBe('invalid_amount');
  });

  it('refuses an amount that does not fit a bigint column', () => {
    expect(Money.fromMajorUnits('92233720368547758.07', 'EUR').amount).toBe(MAX_MINOR_UNITS);
    expect(moneyError(() => Money.fromMajorUnits('92233720368547758.08', 'EUR'))).toBe('amount_out_of_range');
    expect(Money.fromMajorUnits('-92233720368547758.08', 'EUR').amount).toBe(MIN_MINOR_UNITS);
    expect(moneyError(() => Money.of(MAX_MINOR_UNITS + 1n, 'EUR'))).toBe('amount_out_of_range');
  });

  it('refuses an unknown currency', () => {
    expect(moneyError(() => Money.fromMajorUnits('1.00', 'eur'))).toBe('invalid_currency');
    expect(moneyError(() => Money.of(1n, 'ZZZ'))).toBe('invalid_currency');
  });
});

describe('Money as JSON', () => {
  it('serializes minor units as a string beside the currency', () => {
    const money = Money.fromMajorUnits('1299.00', 'EUR');
    expect(JSON.stringify({ total: money })).toBe('{"total":{"amount":"129900","currency":"EUR"}}');
    expect(money.toJSON()).toEqual({ amount: '129900', currency: 'EUR' });
  });

  it('reads back exactly what it wrote, beyond 2^53 too', () => {
    for (const money of [Money.of(MAX_MINOR_UNITS, 'EUR'), Money.of(MIN_MINOR_UNITS, 'JPY'), Money.of(-5n, 'BHD'), Money.zero('USD')]) {
      const read = Money.fromJSON(JSON.parse(JSON.stringify(money)));
      expect(read.equals(money)).toBe(true);
    }
  });

  it('refuses a numeric amount, a decimal amount, leading zeros and anything that is not the object', () => {
    const invalid: unknown[] = [
      { amount: 129900, currency: 'EUR' },
      { amount: '1299.00', currency: 'EUR' },
      { amount: '0129900', currency: 'EUR' },
      { amount: '-0', currency: 'EUR' },
      { amount: '+5', currency: 'EUR' },
      { amount: ' 5', currency: 'EUR' },
      { amount: '', currency: 'EUR' },
      { currency: 'EUR' },
      null,
      '129900 EUR',
      [],
    ];
    for (const value of invalid) expect(moneyError(() => Money.fromJSON(value))).toBe('invalid_amount');
    expect(moneyError(() => Money.fromJSON({ amount: '5', currency: 'eur' }))).toBe('invalid_currency');
    expect(moneyError(() => Money.fromJSON({ amount: '5' }))).toBe('invalid_currency');
    expect(moneyError(() => Money.fromJSON({ amount: '9223372036854775808', currency: 'EUR' }))).toBe('amount_out_of_range');
  });
});

describe('Money arithmetic', () => {
  const eur = (text: string): Money => Money.fromMajorUnits(text, 'EUR');

  it('adds, subtracts and negates within one currency', () => {
    expect(eur('10.50').plus(eur('0.75')).toJSON()).toEqual({ amount: '1125', currency: 'EUR' });
    expect(eur('10.50').minus(eur('12.00')).toMajorUnits()).toBe('-1.50');
    expect(eur('3.00').negated().amount).toBe(-300n);
    expect(Money.sum([eur('1.10'), eur('2.20'), eur('3.30')], 'EUR').toMajorUnits()).toBe('6.60');
    expect(Money.sum([], 'JPY').toJSON()).toEqual({ amount: '0', currency: 'JPY' });
  });

  it('compares within one currency', () => {
    expect(eur('1.00').compare(eur('2.00'))).toBe(-1);
    expect(eur('2.00').compare(eur('2.00'))).toBe(0);
    expect(eur('2.01').compare(eur('2.00'))).toBe(1);
    expect([eur('3'), eur('-1'), eur('2')].sort((a, b) => a.compare(b)).map((m) => m.toMajorUnits())).toEqual(['-1.00', '2.00', '3.00']);
  });

  it('throws a CurrencyMismatchException when two currencies meet, and never says they are equal', () => {
    const usd = Money.fromMajorUnits('1.00', 'USD');
    for (const combine of [
      () => eur('1.00').plus(usd),
      () => eur('1.00').minus(usd),
      () => eur('1.00').compare(usd),
      () => Money.sum([usd], 'EUR'),
    ]) {
      expect(combine).toThrow(CurrencyMismatchException);
      expect(moneyError(combine)).toBe('currency_mismatch');
    }
    expect(Money.of(100n, 'EUR').equals(Money.of(100n, 'USD'))).toBe(false);
  });

  it('refuses a sum that would overflow a bigint column', () => {
    expect(moneyError(() => Money.of(MAX_MINOR_UNITS, 'EUR').plus(Money.of(1n, 'EUR')))).toBe('amount_out_of_range');
    expect(moneyError(() => Money.of(MIN_MINOR_UNITS, 'EUR').negated())).toBe('amount_out_of_range');
  });

  it('prints major units with all of the currency decimals', () => {
    expect(Money.of(129900n, 'EUR').toMajorUnits()).toBe('1299.00');
    expect(Money.of(5n, 'EUR').toMajorUnits()).toBe('0.05');
    expect(Money.of(-5n, 'EUR').toMajorUnits()).toBe('-0.05');
    expect(Money.of(1299n, 'JPY').toMajorUnits()).toBe('1299');
    expect(Money.of(1n, 'BHD').toString()).toBe('0.001 BHD');
    expect(Money.of(0n, 'CLF').toMajorUnits()).toBe('0.0000');
  });
});

describe('money payload validation', () => {
  class OpportunityPayload {
    @IsMoney()
    amount!: MoneyJson;
  }

  class RefundPayload {
    @IsMoney({ allowNegative: true })
    amount!: MoneyJson;
  }

  class PricePayload {
    @IsCurrencyCode()
    currency!: string;
  }

  function errorsOf(target: object): string[] {
    return validateSync(target).flatMap((error) => Object.values(error.constraints ?? {}));
  }

  function build<T extends object>(type: new () => T, values: Record<string, unknown>): T {
    return Object.assign(new type(), values);
  }

  it('accepts a well-formed payload and refuses a malformed one with a message that says why', () => {
    expect(errorsOf(build(OpportunityPayload, { amount: { amount: '129900', currency: 'EUR' } }))).toEqual([]);
    const errors = errorsOf(build(OpportunityPayload, { amount: { amount: 1299.0, currency: 'EUR' } }));
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(/^amount must be money .*minor units as a string/);
    expect(errorsOf(build(OpportunityPayload, { amount: { amount: '1', currency: 'XAU' } }))[0]).toMatch(/ISO 4217/);
    expect(errorsOf(build(OpportunityPayload, {}))).toHaveLength(1);
  });

  it('refuses negative amounts unless the field allows them', () => {
    const negative = { amount: '-500', currency: 'EUR' };
    expect(errorsOf(build(OpportunityPayload, { amount: negative }))[0]).toMatch(/must not be negative/);
    expect(errorsOf(build(RefundPayload, { amount: negative }))).toEqual([]);
  });

  it('checks a MoneyDto field by field', () => {
    expect(errorsOf(build(MoneyDto, { amount: '129900', currency: 'EUR' }))).toEqual([]);
    expect(errorsOf(build(MoneyDto, { amount: '12.99', currency: 'EUR' }))).toEqual([
      'amount must be a whole number of minor units as a string, not negative',
    ]);
    expect(errorsOf(build(MoneyDto, { amount: '-1', currency: 'usd' }))).toHaveLength(2);
    expect(errorsOf(build(MoneyDto, { amount: '99999999999999999999', currency: 'EUR' }))).toHaveLength(1);
  });

  it('checks a currency code on its own', () => {
    expect(errorsOf(build(PricePayload, { currency: 'JPY' }))).toEqual([]);
    expect(errorsOf(build(PricePayload, { currency: 'yen' }))).toEqual(['currency must be an upper-case ISO 4217 currency code']);
  });
});
