import { type DatabaseWrites, databaseWritesLines, indexEntries, type TableWrites, writesBetween } from './database-writes';

const table = (name: string, counts: Partial<TableWrites> = {}): TableWrites => ({
  table: name,
  inserted: 0,
  updated: 0,
  hotUpdated: 0,
  deleted: 0,
  indexes: 1,
  ...counts,
});

const snapshot = (
  tables: TableWrites[],
  wal = { walRecords: 0, walBytes: 0, walFullPageImages: 0, walSyncs: 0, commits: 0 },
): DatabaseWrites => ({
  tables,
  ...wal,
});

describe('writesBetween', () => {
  it('subtracts the earlier counts, counts a table made meanwhile from zero and leaves out tables nothing wrote to', () => {
    const before = snapshot(
      [table('a.t', { inserted: 5, updated: 2, hotUpdated: 1, deleted: 1, indexes: 3 }), table('a.idle', { inserted: 7 })],
      { walRecords: 100, walBytes: 10_000, walFullPageImages: 2, walSyncs: 40, commits: 900 },
    );
    const after = snapshot(
      [
        table('a.t', { inserted: 15, updated: 6, hotUpdated: 2, deleted: 4, indexes: 3 }),
        table('a.idle', { inserted: 7 }),
        table('a.new', { inserted: 3, indexes: 2 }),
      ],
      { walRecords: 160, walBytes: 16_144, walFullPageImages: 3, walSyncs: 45, commits: 930 },
    );
    expect(writesBetween(before, after)).toEqual({
      tables: [
        table('a.t', { inserted: 10, updated: 4, hotUpdated: 1, deleted: 3, indexes: 3 }),
        table('a.new', { inserted: 3, indexes: 2 }),
      ],
      walRecords: 60,
      walBytes: 6144,
      walFullPageImages: 1,
      walSyncs: 5,
      commits: 30,
    });
  });
});

describe('indexEntries', () => {
  it('counts every insert and every update that was not heap-only once per index; deletes make none', () => {
    expect(indexEntries(table('a.t', { inserted: 10, updated: 4, hotUpdated: 3, deleted: 9, indexes: 3 }))).toBe(33);
  });
});

describe('databaseWritesLines', () => {
  it('gives each target its WAL, rows and index entries per stored lead, and its busiest tables first', () => {
    const writes = snapshot(
      [
        table('s.small', { inserted: 100, indexes: 1 }),
        table('s.big', { inserted: 100, updated: 100, hotUpdated: 50, deleted: 100, indexes: 4 }),
      ],
      { walRecords: 1500, walBytes: 204_800, walFullPageImages: 10, walSyncs: 12, commits: 45 },
    );
    expect(databaseWritesLines({ baseline: null, platform: { writes, stored: 100 } })).toEqual([
      'database writes per stored lead, from start to stop (warm-up and drain included; PostgreSQL statistics):',
      '  platform: WAL 2.0 KiB in 15 records (0.10 full-page images); rows 2.00 inserted, 1.00 updated (0.50 heap-only), 1.00 deleted; index entries at most 7.0; 0.450 commits, 0.120 WAL flushes',
      `    ${'s.big'.padEnd(34)} 1.00 inserted, 1.00 updated (0.50 heap-only), 1.00 deleted; 4 indexes, at most 6.0 entries`,
      `    ${'s.small'.padEnd(34)} 1.00 inserted; 1 indexes, at most 1.0 entries`,
    ]);
  });

  it('says nothing of a target that did not run or stored nothing', () => {
    expect(databaseWritesLines({ baseline: { writes: snapshot([]), stored: 0 }, platform: null })).toEqual([]);
  });

  it('names the ten busiest tables and counts the rest', () => {
    const tables = Array.from({ length: 12 }, (_, i) => table(`s.t${String(i).padStart(2, '0')}`, { inserted: 12 - i }));
    const lines = databaseWritesLines({ platform: { writes: snapshot(tables), stored: 1 } });
    expect(lines).toHaveLength(2 + 10 + 1);
    expect(lines[2]).toContain('s.t00');
    expect(lines.at(-1)).toBe('    and 2 more tables');
  });
});
