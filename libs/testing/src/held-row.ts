import type { DataSource } from 'typeorm';
import { waitFor } from './wait-for';

/** A row to hold: a copy of the one `where` finds in `table`, with `changes` (the key it holds). */
export interface HeldRow {
  table: string;
  where: string;
  params: unknown[];
  changes: Record<string, unknown>;
}

/**
 * Starts `contend` while another transaction holds a copy of a row, uncommitted, until `waiters`
 * sessions wait for that transaction (inserts of the same unique key do); then rolls it back and
 * returns what `contend` gave. Statements inserting many keys, among them the held one, are thus
 * caught inside their inserts at once, each having stored the keys it takes before that one.
 */
export async function whileRowHeld<T>(dataSource: DataSource, row: HeldRow, waiters: number, contend: () => Promise<T>): Promise<T> {
  const holder = dataSource.createQueryRunner();
  await holder.connect();
  let contending: Promise<T>;
  try {
    await holder.startTransaction();
    await holder.query(
      `INSERT INTO ${row.table}
       SELECT (jsonb_populate_record(t, $${row.params.length + 1}::jsonb)).* FROM ${row.table} t WHERE ${row.where}`,
      [...row.params, JSON.stringify(row.changes)],
    );
    contending = contend();
    // Should the wait fail, the contenders' own outcome is not what the caller hears about.
    contending.catch(() => undefined);
    await waitFor(
      async () => {
        const [found] = (await dataSource.query(
          `SELECT count(*)::int AS "waiting" FROM pg_stat_activity WHERE "datname" = current_database() AND "wait_event" = 'transactionid'`,
        )) as Array<{ waiting: number }>;
        return found?.waiting === waiters;
      },
      { timeoutMs: 10_000, what: `${waiters} sessions waiting on the held row` },
    );
  } finally {
    if (holder.isTransactionActive) await holder.rollbackTransaction();
    await holder.release();
  }
  return contending;
}
