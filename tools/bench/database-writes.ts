/**
 * What PostgreSQL wrote for a target, from its cumulative statistics read before the target starts
 * and after it stops (a backend hands in its counts when it exits, so the second read is complete):
 * rows inserted, updated and deleted per table (`pg_stat_user_tables`), the transactions committed
 * in the bench's database (`pg_stat_database`; the bench's own few reads among them) and the WAL
 * written and flushed (`pg_stat_wal`, for the whole server, so nothing else may write meanwhile; the
 * bench runs alone).
 * Per stored lead, these say where a lead's database work goes, which CPU time alone does not.
 */
import type { Pool } from 'pg';

/** One table's row counts, cumulative (a snapshot) or over a target (a difference). */
export interface TableWrites {
  /** `schema.table`. */
  table: string;
  inserted: number;
  updated: number;
  /** Updates that wrote no index entry (heap-only tuples). */
  hotUpdated: number;
  deleted: number;
  /** Indexes on the table, partial ones included. */
  indexes: number;
}

export interface DatabaseWrites {
  tables: TableWrites[];
  walRecords: number;
  walBytes: number;
  walFullPageImages: number;
  /** Times the WAL was flushed to disk (`wal_sync`): what a commit waits for. */
  walSyncs: number;
  /** Transactions committed in the bench's database. */
  commits: number;
}

/** The cumulative counts now, for the tables of `schemas` and for the server's WAL. */
export async function readDatabaseWrites(db: Pool, schemas: readonly string[]): Promise<DatabaseWrites> {
  const tables = await db.query<{ table: string; ins: string; upd: string; hot: string; del: string; indexes: number }>(
    `SELECT t."schemaname" || '.' || t."relname" AS "table", t."n_tup_ins" AS "ins", t."n_tup_upd" AS "upd",
            t."n_tup_hot_upd" AS "hot", t."n_tup_del" AS "del",
            (SELECT count(*)::int FROM pg_index i WHERE i."indrelid" = t."relid") AS "indexes"
     FROM pg_stat_user_tables t WHERE t."schemaname" = ANY($1::text[])`,
    [schemas],
  );
  const wal = await db.query<{ records: string; bytes: string; fpi: string; syncs: string; commits: string }>(
    `SELECT "wal_records" AS "records", "wal_bytes"::bigint AS "bytes", "wal_fpi" AS "fpi", "wal_sync" AS "syncs",
            (SELECT "xact_commit" FROM pg_stat_database WHERE "datname" = current_database()) AS "commits"
     FROM pg_stat_wal`,
  );
  const server = wal.rows[0];
  return {
    tables: tables.rows.map((row) => ({
      table: row.table,
      inserted: Number(row.ins),
      updated: Number(row.upd),
      hotUpdated: Number(row.hot),
      deleted: Number(row.del),
      indexes: row.indexes,
    })),
    walRecords: Number(server?.records ?? 0),
    walBytes: Number(server?.bytes ?? 0),
    walFullPageImages: Number(server?.fpi ?? 0),
    walSyncs: Number(server?.syncs ?? 0),
    commits: Number(server?.commits ?? 0),
  };
}

/**
 * Waits (up to `timeoutMs`) until no connection of `roles` to `database` is left but `db`'s own: a
 * target's backends hand in their counts as they exit, a moment after its processes closed them.
 */
export async function untilConnectionsGone(db: Pool, database: string, roles: readonly string[], timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { rows } = await db.query<{ open: number }>(
      `SELECT count(*)::int AS "open" FROM pg_stat_activity
       WHERE "datname" = $1 AND "usename" = ANY($2::text[]) AND "pid" <> pg_backend_pid()`,
      [database, roles],
    );
    const open = rows[0]?.open ?? 0;
    if (open === 0) return;
    if (Date.now() >= deadline) throw new Error(`${open} connections to ${database} still open after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** What was written between two snapshots; tables made meanwhile count from zero, tables without writes are left out. */
export function writesBetween(before: DatabaseWrites, after: DatabaseWrites): DatabaseWrites {
  const earlier = new Map(before.tables.map((t) => [t.table, t]));
  const tables = after.tables
    .map((t) => {
      const was = earlier.get(t.table);
      return {
        table: t.table,
        inserted: t.inserted - (was?.inserted ?? 0),
        updated: t.updated - (was?.updated ?? 0),
        hotUpdated: t.hotUpdated - (was?.hotUpdated ?? 0),
        deleted: t.deleted - (was?.deleted ?? 0),
        indexes: t.indexes,
      };
    })
    .filter((t) => t.inserted + t.updated + t.deleted > 0);
  return {
    tables,
    walRecords: after.walRecords - before.walRecords,
    walBytes: after.walBytes - before.walBytes,
    walFullPageImages: after.walFullPageImages - before.walFullPageImages,
    walSyncs: after.walSyncs - before.walSyncs,
    commits: after.commits - before.commits,
  };
}

/**
 * Index entries a table's writes made, at most: every row inserted and every update that was not
 * heap-only enters each index (a partial index whose condition the row misses is counted all the same).
 */
export function indexEntries(t: TableWrites): number {
  return (t.inserted + t.updated - t.hotUpdated) * t.indexes;
}

/** Tables listed by name in a target's line, the most index entries first. */
const TABLES_SHOWN = 10;

/** A target's writes and the leads (or requests) it stored. */
interface WritesOfTarget {
  writes: DatabaseWrites;
  stored: number;
}

/** The report's lines: per stored lead, each target's WAL and rows, and its busiest tables; a target that did not run is null. */
export function databaseWritesLines(targets: Record<string, WritesOfTarget | null>): string[] {
  const measured = Object.entries(targets).filter((entry): entry is [string, WritesOfTarget] => entry[1] !== null && entry[1].stored > 0);
  if (measured.length === 0) return [];
  const lines = ['database writes per stored lead, from start to stop (warm-up and drain included; PostgreSQL statistics):'];
  for (const [name, { writes, stored }] of measured) {
    const per = (n: number, digits = 2): string => (n / stored).toFixed(digits);
    const sum = (pick: (t: TableWrites) => number): number => writes.tables.reduce((total, t) => total + pick(t), 0);
    lines.push(
      `  ${name}: WAL ${(writes.walBytes / stored / 1024).toFixed(1)} KiB in ${per(writes.walRecords, 0)} records ` +
        `(${per(writes.walFullPageImages)} full-page images); rows ${per(sum((t) => t.inserted))} inserted, ` +
        `${per(sum((t) => t.updated))} updated (${per(sum((t) => t.hotUpdated))} heap-only), ${per(sum((t) => t.deleted))} deleted; ` +
        `index entries at most ${per(sum(indexEntries), 1)}; ${per(writes.commits, 3)} commits, ${per(writes.walSyncs, 3)} WAL flushes`,
    );
    const busiest = [...writes.tables].sort((a, b) => indexEntries(b) - indexEntries(a) || a.table.localeCompare(b.table));
    for (const t of busiest.slice(0, TABLES_SHOWN)) {
      const updates = t.updated > 0 ? `, ${per(t.updated)} updated (${per(t.hotUpdated)} heap-only)` : '';
      const deletes = t.deleted > 0 ? `, ${per(t.deleted)} deleted` : '';
      lines.push(
        `    ${t.table.padEnd(34)} ${per(t.inserted)} inserted${updates}${deletes}; ${t.indexes} indexes, ` +
          `at most ${per(indexEntries(t), 1)} entries`,
      );
    }
    if (busiest.length > TABLES_SHOWN) lines.push(`    and ${busiest.length - TABLES_SHOWN} more tables`);
  }
  return lines;
}
