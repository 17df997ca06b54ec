import type { EntityManager } from 'typeorm';
import { queryPrepared } from './prepared-query';

/** A connection that records what it is asked to run, and a runner that hands it out. */
function fakeRunner() {
  const calls: Array<{ name: string; text: string; values: unknown[] }> = [];
  const runner = {
    isReleased: false,
    released: 0,
    connect: async () => ({
      query: async (config: { name: string; text: string; values: unknown[] }) => {
        calls.push(config);
        return { rows: [{ n: calls.length }] };
      },
    }),
    release: async () => {
      runner.released += 1;
    },
  };
  return { runner, calls };
}

describe('queryPrepared', () => {
  it('runs on the transaction’s connection under a name that belongs to the statement’s text', async () => {
    const { runner, calls } = fakeRunner();
    const manager = { queryRunner: runner } as unknown as EntityManager;
    expect(await queryPrepared(manager, 'SELECT $1::int AS "n"', [1])).toEqual([{ n: 1 }]);
    await queryPrepared(manager, 'SELECT $1::int AS "n"', [2]);
    await queryPrepared(manager, 'SELECT $1::int + 1 AS "n"', [3]);
    expect(calls.map((c) => c.values)).toEqual([[1], [2], [3]]);
    expect(calls[0]?.name).toMatch(/^lf_[0-9a-f]{24}$/);
    expect(calls[1]?.name).toBe(calls[0]?.name);
    expect(calls[2]?.name).not.toBe(calls[0]?.name);
    // The transaction's runner stays with the transaction.
    expect(runner.released).toBe(0);
  });

  it('borrows a connection of its own outside a transaction, and gives it back, also on failure', async () => {
    const { runner } = fakeRunner();
    const manager = { queryRunner: undefined, connection: { createQueryRunner: () => runner } } as unknown as EntityManager;
    await queryPrepared(manager, 'SELECT 1', []);
    expect(runner.released).toBe(1);
    const failing = {
      queryRunner: undefined,
      connection: {
        createQueryRunner: () => ({
          ...runner,
          connect: async () => ({
            query: async () => {
              throw new Error('duplicate key');
            },
          }),
          release: runner.release,
        }),
      },
    } as unknown as EntityManager;
    await expect(queryPrepared(failing, 'SELECT 1', [])).rejects.toThrow('duplicate key');
    expect(runner.released).toBe(2);
  });
});
