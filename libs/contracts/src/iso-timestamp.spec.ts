import { isISO8601, validateSync } from 'class-validator';
import { EventEnvelope } from './envelope';
import { isStrictIso8601 } from './iso-timestamp';

const reference = (value: unknown): boolean => typeof value === 'string' && isISO8601(value, { strict: true });
const pad = (n: number, width: number): string => String(n).padStart(width, '0');

describe('isStrictIso8601', () => {
  it('agrees with class-validator on every day of every month, for common and leap years and century years', () => {
    const years = [1000, 1582, 1600, 1700, 1800, 1900, 1999, 2000, 2023, 2024, 2025, 2026, 2028, 2100, 2400, 9999];
    let checked = 0;
    for (const year of years) {
      for (let month = 0; month <= 13; month += 1) {
        for (let day = 0; day <= 32; day += 1) {
          for (const time of ['T00:00:00Z', 'T23:59:59.999Z', 'T12:30:45.1Z', 'T09:05:07.123456789Z']) {
            const value = `${pad(year, 4)}-${pad(month, 2)}-${pad(day, 2)}${time}`;
            expect([value, isStrictIso8601(value)]).toEqual([value, reference(value)]);
            checked += 1;
          }
        }
      }
    }
    expect(checked).toBe(16 * 14 * 33 * 4);
  });

  it('agrees with class-validator on what toISOString writes, and on forms other than the canonical one', () => {
    const values: unknown[] = [];
    for (let i = 0; i < 2000; i += 1) values.push(new Date(Date.UTC(1000, 0, 1) + Math.floor(Math.random() * 2.5e14)).toISOString());
    values.push(
      '2026-02-29T10:00:00Z',
      '2024-02-29T10:00:00Z',
      '2026-04-31T10:00:00Z',
      '2026-12-01T24:00:00Z',
      '2026-12-01T10:00:60Z',
      '2026-12-01t10:00:00z',
      '2026-12-01T10:00:00z',
      '2026-12-01T10:00:00+02:00',
      '2026-12-01T10:00:00.5+0530',
      '2026-12-01 10:00:00Z',
      '2026-12-01T10:00Z',
      '2026-12-01T10Z',
      '2026-12-01',
      '2026-335',
      '2026-W49-2',
      '20261201T100000Z',
      '0999-12-01T10:00:00Z',
      '0000-02-29T10:00:00Z',
      '+2026-12-01T10:00:00Z',
      '-0001-12-01T10:00:00Z',
      '12026-12-01T10:00:00Z',
      '2026-12-01T10:00:00.Z',
      '2026-12-01T10:00:00,5Z',
      '2026-12-01T10:00:00.123Z\n',
      ' 2026-12-01T10:00:00Z',
      '',
      'now',
      42,
      null,
      undefined,
      {},
      ['2026-12-01T10:00:00Z'],
    );
    for (const value of values) expect([value, isStrictIso8601(value)]).toEqual([value, reference(value)]);
  });

  it('gives the envelope class-validator’s own message for a timestamp it refuses', () => {
    const envelope = Object.assign(new EventEnvelope(), {
      id: '0190a5b2-0000-7000-8000-000000000001',
      type: 'lead.ingested',
      version: 1,
      workspaceId: 'default',
      occurredAt: '2026-02-30T10:00:00Z',
      producer: 'ingestion',
      correlationId: 'c',
      data: {},
    });
    const [error] = validateSync(envelope);
    expect(error?.property).toBe('occurredAt');
    expect(error?.constraints).toEqual({ isIso8601: 'occurredAt must be a valid ISO 8601 date string' });
    expect(validateSync(Object.assign(envelope, { occurredAt: '2026-02-28T10:00:00Z' }))).toEqual([]);
  });
});
