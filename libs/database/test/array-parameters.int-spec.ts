import { Client } from 'pg';
import { arrayLiteral, useCompactArrayParameters } from '../src/array-parameters';

/** Elements that PostgreSQL's array syntax treats specially, and some that it does not. */
const TEXTS = [
  'plain',
  '',
  'NULL',
  'null',
  'NuLl',
  'a b',
  ' leading',
  'trailing ',
  'tab\there',
  'new\nline',
  'quote"d',
  'back\\slash',
  '\\"',
  '{brace}',
  'com,ma',
  "it's",
  'ünïcødé',
  '😀',
  null,
  '1',
];

describe('array parameters as compact literals (PostgreSQL)', () => {
  let client: Client;
  // node-postgres' own conversion, as it was before the compact literals were installed.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const pgUtils = require('pg/lib/utils') as { prepareValue: (value: unknown) => unknown };
  const pgConvert = pgUtils.prepareValue;

  // Statements with parameters and no tables: the server's own database serves.
  beforeAll(async () => {
    client = new Client({ connectionString: process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres' });
    await client.connect();
  });

  afterAll(async () => {
    await client?.end();
  });

  const read = async (sql: string, value: unknown): Promise<unknown> => (await client.query(sql, [value])).rows[0].v;

  it.each([
    ['text[]', TEXTS],
    ['uuid[]', ['0192f3a4-5b6c-7d8e-9f00-112233445566', null, '0192f3a4-5b6c-7d8e-9f00-112233445567']],
    ['int[]', [1, -2, 0, null]],
    ['bigint[]', [9007199254740993n, -1n]],
    ['numeric[]', [1.5, -0.25, 1e21]],
  ])('PostgreSQL reads the same %s from both literals', async (type, values) => {
    const compact = arrayLiteral(values);
    expect(compact).toBeDefined();
    const fromPg = await read(`SELECT $1::${type} AS "v"`, pgConvert(values));
    expect(await read(`SELECT $1::${type} AS "v"`, compact)).toEqual(fromPg);
    if (type === 'text[]' || type === 'uuid[]') expect(fromPg).toEqual(values);
  });

  it('is what node-postgres sends once installed, and arrays it does not cover are still sent its way', async () => {
    expect(await read(`SELECT $1::text AS "v"`, ['a', 'b c'])).toBe('{"a","b c"}');
    useCompactArrayParameters();
    useCompactArrayParameters();
    expect(await read(`SELECT $1::text AS "v"`, ['a', 'b c'])).toBe('{a,"b c"}');
    expect(await read(`SELECT $1::text[] AS "v"`, TEXTS)).toEqual(TEXTS);
    expect(await read(`SELECT $1::boolean[] AS "v"`, [true, false])).toEqual([true, false]);
    expect(await read(`SELECT $1::timestamptz[] AS "v"`, [new Date('2026-12-02T00:00:00Z')])).toEqual([new Date('2026-12-02T00:00:00Z')]);
    expect(
      await read(`SELECT $1::int[][] AS "v"`, [
        [1, 2],
        [3, 4],
      ]),
    ).toEqual([
      [1, 2],
      [3, 4],
    ]);
  });
});
