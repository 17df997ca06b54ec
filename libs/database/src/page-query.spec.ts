import { SqlFilter, selectPage } from './page-query';

describe('SqlFilter', () => {
  it('numbers parameters in the order conditions are added and leaves out undefined filters', () => {
    const filter = new SqlFilter().where('"workspace_id" = ?', 'w1').where('"source" = ?', undefined).where('"offer" = ?', 'spring');
    expect(filter.sql).toBe('"workspace_id" = $1 AND "offer" = $2');
    expect(filter.params).toEqual(['w1', 'spring']);
  });

  it('uses one parameter for every ? of a condition and keeps conditions without a value', () => {
    const filter = new SqlFilter().where('"merged_into" IS NULL').where('("email" = ? OR "alt" = ?)', 'a@b.c');
    expect(filter.sql).toBe('"merged_into" IS NULL AND ("email" = $1 OR "alt" = $1)');
    expect(filter.params).toEqual(['a@b.c']);
  });

  it('keeps a null value, which is a filter of its own', () => {
    expect(new SqlFilter().where('"x" IS NOT DISTINCT FROM ?', null).params).toEqual([null]);
  });

  it('is TRUE without conditions', () => {
    expect(new SqlFilter().sql).toBe('TRUE');
  });
});

describe('selectPage', () => {
  it('reads one extra row, after the cursor, newest first, and turns it into a next cursor', async () => {
    const calls: Array<{ sql: string; params?: unknown[] }> = [];
    const runner = {
      query: async (sql: string, params?: unknown[]) => {
        calls.push({ sql, params });
        return [{ id: 'c' }, { id: 'b' }, { id: 'a' }];
      },
    };
    const filter = new SqlFilter().where('"w" = ?', 'w1');
    const page = await selectPage(
      runner,
      { select: '"id"', from: 't', filter, idColumn: '"id"', afterId: 'd', limit: 2 },
      (row: { id: string }) => row.id,
    );
    expect(calls).toEqual([{ sql: 'SELECT "id" FROM t WHERE "w" = $1 AND "id" < $2 ORDER BY "id" DESC LIMIT $3', params: ['w1', 'd', 3] }]);
    expect(page.items).toEqual(['c', 'b']);
    expect(page.nextCursor).not.toBeNull();
    // The caller's filter is left as it was, so it can serve another page or a count.
    expect([filter.sql, filter.params]).toEqual(['"w" = $1', ['w1']]);
  });
});
