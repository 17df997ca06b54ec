import { qualifiedTable, queryPrepared } from '@leadflow/database';
import type { DataSource, EntityManager } from 'typeorm';

export interface PendingOutboxRow {
  id: string;
  seq: string;
  type: string;
  /** The envelope's workspace, for the message's `Lf-Workspaces` header (null when it names none). */
  workspaceId: string | null;
  /** The envelope's JSON text as it was written: published as it is, never parsed here. */
  envelope: string;
}

/** An event to store: its envelope (which holds its id, type and workspace) and, for `insertWith`, its key. */
export interface OutboxRow {
  envelope: { id: string; type: string; workspaceId: string };
  /** Which row of a causing statement the event belongs to (see `insertWith`). */
  key?: string;
}

/**
 * A statement of the caller's that writes rows and says which (see `insertWith`): common table
 * expressions without the WITH (`"a" AS (...), "b" AS (...)`), parameters $1…$n, and a SELECT over
 * them giving one text `"key"` per row written.
 */
export interface CausingStatement {
  ctes: string;
  keys: string;
  params: unknown[];
}

/**
 * All SQL of the `outbox` table: writing events (alone, or in the statement that caused them), and
 * the relay's taking of a batch.
 */
export class OutboxRepository {
  constructor(private readonly dataSource: DataSource) {}

  private get table(): string {
    return qualifiedTable(this.dataSource, 'outbox');
  }

  /** Writes events with one statement, in order. */
  async insert(manager: EntityManager, rows: readonly OutboxRow[]): Promise<void> {
    await queryPrepared(manager, this.insertSql(1, undefined), rowsParams(rows));
  }

  /**
   * Runs the caller's statement and, in the same statement (so atomically without a transaction of
   * its own), writes the events whose key is among the keys it returns. Returns those keys.
   */
  async insertWith(manager: EntityManager, statement: CausingStatement, rows: readonly OutboxRow[]): Promise<string[]> {
    const written = await queryPrepared<{ key: string }>(
      manager,
      `WITH ${statement.ctes}, "caused_keys" AS (${statement.keys}), "caused_events" AS (
         ${this.insertSql(statement.params.length + 1, `k."key" IN (SELECT "key" FROM "caused_keys")`)}
       )
       SELECT "key" FROM "caused_keys"`,
      [...statement.params, ...rowsParams(rows)],
    );
    return written.map((row) => row.key);
  }

  /**
   * The envelopes travel as one JSON array, split by PostgreSQL into the JSON text of each (no
   * array literal to escape, nothing converted to `jsonb`), beside arrays of their ids, types,
   * workspaces and keys (parameters $first…$first+4, as `rowsParams` gives them).
   */
  private insertSql(first: number, where: string | undefined): string {
    const [envelopes, ids, types, workspaces, keys] = [0, 1, 2, 3, 4].map((i) => `$${first + i}`);
    return `INSERT INTO ${this.table} ("id", "type", "workspace_id", "envelope")
       SELECT k."id", k."type", k."workspace_id", e."envelope"
       FROM json_array_elements(${envelopes}::json) WITH ORDINALITY AS e("envelope", "ord")
       JOIN unnest(${ids}::uuid[], ${types}::text[], ${workspaces}::text[], ${keys}::text[]) WITH ORDINALITY
         AS k("id", "type", "workspace_id", "key", "ord") ON k."ord" = e."ord"
       ${where ? `WHERE ${where}` : ''}
       ORDER BY e."ord"`;
  }

  /**
   * Takes up to `limit` pending rows, oldest first, in the caller's transaction: they are deleted,
   * and locked until it ends, so that a transaction committed once JetStream has acknowledged them
   * removes them, and one rolled back (a failed publish, a relay that died) leaves them pending.
   * Other relays skip locked rows. A row stays in the table only while it is pending, written once
   * and deleted once.
   *
   * The rows are picked by a sub-select run once (`= ANY(ARRAY(…))`): joined instead, a planner
   * that believes the table nearly empty (right after a vacuum of a queue that turns over in
   * seconds) runs the pick once per row, which costs seconds on a backlog. Rows claimed with a
   * lease by an earlier release's relay are left to it until the lease runs out.
   */
  async take(manager: EntityManager, limit: number): Promise<PendingOutboxRow[]> {
    const table = this.table;
    const rows = await queryPrepared<PendingOutboxRow>(
      manager,
      `DELETE FROM ${table} o
         WHERE o."seq" = ANY(ARRAY(
           SELECT "seq" FROM ${table}
           WHERE "published_at" IS NULL AND ("claimed_until" IS NULL OR "claimed_until" < now())
           ORDER BY "seq" LIMIT $1 FOR UPDATE SKIP LOCKED))
         RETURNING o."id", o."seq"::text AS "seq", o."type", coalesce(o."workspace_id", o."envelope"->>'workspaceId') AS "workspaceId",
           o."envelope"::text AS "envelope"`,
      [limit],
    );
    // RETURNING keeps no order; publishing does, as far as concurrent publishes can.
    return rows.sort((a, b) => Number(BigInt(a.seq) - BigInt(b.seq)));
  }

  /**
   * Reclaims the index entries of rows taken. The table turns over in seconds, faster than
   * autovacuum visits it (once a minute at best), and a take would otherwise step over every row
   * taken since; the relay calls this every few thousand rows.
   */
  async vacuum(): Promise<void> {
    await this.dataSource.query(`VACUUM ${this.table}`);
  }

  async pendingCount(): Promise<number> {
    const [row] = (await this.dataSource.query(`SELECT count(*)::int AS "n" FROM ${this.table} WHERE "published_at" IS NULL`)) as Array<{
      n: number;
    }>;
    return row?.n ?? 0;
  }
}

/** The parameters of `insertSql`: the envelopes as one JSON array, then their ids, types, workspaces and keys. */
function rowsParams(rows: readonly OutboxRow[]): unknown[] {
  return [
    JSON.stringify(rows.map((row) => row.envelope)),
    rows.map((row) => row.envelope.id),
    rows.map((row) => row.envelope.type),
    rows.map((row) => row.envelope.workspaceId),
    rows.map((row) => row.key ?? null),
  ];
}
