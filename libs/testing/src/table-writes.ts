import type { EntityManager } from 'typeorm';

/** How a piece of work wrote the rows of one table. */
export interface TableWrites {
  inserted: number;
  updated: number;
  /** Updates that stayed on the row's page and entered no index again. */
  heapOnly: number;
}

/**
 * Runs `work` in the manager's transaction and tells how it wrote `table` (schema-qualified): the
 * counts PostgreSQL keeps for the connection until it reports them (which may hold earlier
 * transactions' too) after the work, less those before it.
 */
export async function tableWrites(manager: EntityManager, table: string, work: () => Promise<unknown>): Promise<TableWrites> {
  const counts = async (): Promise<TableWrites> => {
    const [row] = (await manager.query(
      `SELECT pg_stat_get_xact_tuples_inserted($1::regclass)::int AS "inserted",
              pg_stat_get_xact_tuples_updated($1::regclass)::int AS "updated",
              pg_stat_get_xact_tuples_hot_updated($1::regclass)::int AS "heapOnly"`,
      [table],
    )) as TableWrites[];
    if (!row) throw new Error(`no write counts for ${table}`);
    return row;
  };
  const before = await counts();
  await work();
  const after = await counts();
  return {
    inserted: after.inserted - before.inserted,
    updated: after.updated - before.updated,
    heapOnly: after.heapOnly - before.heapOnly,
  };
}
