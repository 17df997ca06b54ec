import { daysBetween, formatDay, isoWeekday, mondayOf, parseDay, utcDayOf } from './utc-calendar';

describe('parseDay / formatDay', () => {
  it('round-trips calendar dates, including leap days and the edges of the four-digit years', () => {
    for (const day of ['1970-01-01', '2024-02-29', '2026-12-31', '0001-01-01', '9999-12-31', '0099-06-15']) {
      const dayNumber = parseDay(day);
      expect(dayNumber).not.toBeNull();
      expect(formatDay(dayNumber as number)).toBe(day);
    }
  });

  it('counts days from 1970-01-01', () => {
    expect(parseDay('1970-01-01')).toBe(0);
    expect(parseDay('1970-01-02')).toBe(1);
    expect(parseDay('1969-12-31')).toBe(-1);
    expect(parseDay('2026-03-01')).toBe((parseDay('2026-02-28') as number) + 1);
  });

  it('refuses impossible dates rather than rolling them over', () => {
    for (const day of ['2026-02-29', '2026-02-30', '2026-04-31', '2026-13-01', '2026-00-10', '2026-01-00', '0000-01-01']) {
      expect(parseDay(day)).toBeNull();
    }
  });

  it('refuses anything that is not exactly YYYY-MM-DD', () => {
    for (const text of [
      '2026-3-1',
      '26-03-01',
      '2026/03/01',
      '2026-03-01T00:00:00Z',
      ' 2026-03-01',
      '2026-03-01 ',
      '',
      '20260301',
      '١٢٣٤-٠١-٠١',
    ]) {
      expect(parseDay(text)).toBeNull();
    }
  });
});

describe('utcDayOf', () => {
  it('takes the UTC day of a timestamp, whatever its offset', () => {
    expect(utcDayOf('2026-03-01T23:59:59.999Z')).toBe('2026-03-01');
    expect(utcDayOf('2026-03-02T00:00:00.000Z')).toBe('2026-03-02');
    expect(utcDayOf('2026-03-02T01:30:00+02:00')).toBe('2026-03-01');
    expect(utcDayOf('2026-03-01T22:30:00-02:00')).toBe('2026-03-02');
    expect(utcDayOf('2026-03-01T10:00:00.123456789Z')).toBe('2026-03-01');
  });

  it('reads a timestamp without a zone as UTC, not as local time', () => {
    expect(utcDayOf('2026-03-01T23:30:00')).toBe('2026-03-01');
    expect(utcDayOf('2026-03-01T00:30')).toBe('2026-03-01');
  });

  it('refuses what is not a real timestamp', () => {
    for (const text of [
      '',
      'yesterday',
      '2026-03-01',
      '2026-02-30T10:00:00Z',
      '2026-03-01T25:00:00Z',
      '2026-03-01 10:00:00Z',
      '0001-01-01T00:30:00+01:00',
    ]) {
      expect(utcDayOf(text)).toBeNull();
    }
  });

  it('gives UTC timestamps the day Date.parse gives them, the same day twice in a row included', () => {
    const texts = [
      '2026-03-01T24:00:00Z',
      '2026-03-01T23:59:60Z',
      '2026-02-29T10:00:00Z',
      '2028-02-29T10:00:00.5z',
      '0000-12-31T10:00:00Z',
      '9999-12-31T23:59:59.999999999Z',
      '2026-03-01T10:00Z',
    ];
    for (let ms = Date.UTC(2025, 11, 31, 20); ms < Date.UTC(2026, 0, 2, 4); ms += 37 * 60 * 1000 + 1234) {
      texts.push(new Date(ms).toISOString(), new Date(ms).toISOString());
    }
    for (const text of texts) {
      const parsed = Date.parse(text);
      // A date that is not real (February 29th of 2026) is refused, not rolled over.
      const real = /^(\d{4})-(\d{2})-(\d{2})/.exec(text) ?? [];
      const date = new Date(Date.UTC(Number(real[1]), Number(real[2]) - 1, Number(real[3])));
      const isReal = date.getUTCMonth() === Number(real[2]) - 1 && date.getUTCDate() === Number(real[3]) && Number(real[1]) >= 1;
      const expected = Number.isNaN(parsed) || !isReal ? null : new Date(parsed).toISOString().slice(0, 10);
      expect([text, utcDayOf(text)]).toEqual([text, expected]);
    }
  });
});

describe('Monday weeks', () => {
  it('numbers weekdays from Monday (0) to Sunday (6)', () => {
    expect(isoWeekday(parseDay('2026-03-02') as number)).toBe(0); // Monday
    expect(isoWeekday(parseDay('2026-03-08') as number)).toBe(6); // Sunday
    expect(isoWeekday(parseDay('1970-01-01') as number)).toBe(3); // Thursday
    expect(isoWeekday(parseDay('1969-12-29') as number)).toBe(0); // Monday before the epoch
  });

  it('maps every day of a week to its Monday, across month and year ends', () => {
    const monday = parseDay('2025-12-29') as number;
    for (const day of ['2025-12-29', '2025-12-31', '2026-01-01', '2026-01-04']) {
      expect(mondayOf(parseDay(day) as number)).toBe(monday);
    }
    expect(formatDay(mondayOf(parseDay('2026-01-05') as number))).toBe('2026-01-05');
    expect(formatDay(mondayOf(parseDay('1969-12-31') as number))).toBe('1969-12-29');
  });
});

describe('daysBetween', () => {
  it('lists every day of an inclusive range', () => {
    const days = daysBetween(parseDay('2026-02-27') as number, parseDay('2026-03-02') as number).map(formatDay);
    expect(days).toEqual(['2026-02-27', '2026-02-28', '2026-03-01', '2026-03-02']);
  });

  it('has one day when first equals last and none when first is after last', () => {
    expect(daysBetween(5, 5)).toEqual([5]);
    expect(daysBetween(6, 5)).toEqual([]);
  });
});
