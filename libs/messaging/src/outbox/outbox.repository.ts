import { qualifiedTable, queryPrepared } from '@leadflow/database';
import type { DataSource, EntityManager } from 'typeorm';

/**
 * The largest message body the relay publishes, in bytes; a row holds at most as many bytes of
 * events, unless one event is larger. A consumer reads a message as one string, and V8 gives a
 * string of more than 128 KiB a memory mapping of its own (its large-object space), mapped and
 * faulted in when it is made and unmapped when it dies; 48 KiB of UTF-8 stays under that even as
 * a two-byte string (any character past U+00FF makes every character two bytes). With 256 KiB
 * messages, page faults and page allocation took 8–12 % of the consuming apps' CPU in the lead
 * bench (README.md, under `npm run bench`).
 */
export const MAX_MESSAGE_BYTES = 48 * 1024;

export interface PendingOutboxRow {
  /** The row's id: its first event's. */
  id: string;
  seq: string;
  type: string;
  /** The events' workspace, for the message's `Lf-Workspaces` header (null when it names none). */
  workspaceId: string | null;
  /** How many events the row holds. */
  count: number;
  /** The events' envelopes, each the JSON text it was written as, joined by commas: published as they are, never parsed here. */
  envelopes: string;
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

  /**
   * Writes events with one statement, in order, packed into rows of one type and workspace each
   * (`packEvents`). The rows' texts travel as one binary parameter, cut by PostgreSQL at the byte
   * offsets given: nothing to escape, nothing parsed as JSON. Every event is written, so the rows
   * are joined here; `insertWith`, which writes only the events of the keys its statement returns,
   * leaves the joining to PostgreSQL.
   */
  async insert(manager: EntityManager, rows: readonly OutboxRow[]): Promise<void> {
    if (rows.length === 0) return;
    const { texts, lengths: eventLengths, chunks } = encodeEvents(rows);
    const packed: Array<{ id: string; type: string; workspaceId: string; texts: string[]; bytes: number }> = [];
    rows.forEach((row, i) => {
      const into = (packed[chunks[i] as number] ??= {
        id: row.envelope.id,
        type: row.envelope.type,
        workspaceId: row.envelope.workspaceId,
        texts: [],
        bytes: -1,
      });
      into.texts.push(texts[i] as string);
      // Each text and the comma before it, but the first.
      into.bytes += (eventLengths[i] as number) + 1;
    });
    const lengths = packed.map((row) => row.bytes);
    const { blob, starts } = slices(
      packed.map((row) => row.texts.join(',')),
      lengths,
    );
    await queryPrepared(
      manager,
      `INSERT INTO ${this.table} ("id", "type", "workspace_id", "count", "envelopes")
       SELECT r."id", r."type", r."workspace_id", r."count", convert_from(substring($7::bytea FROM r."start" FOR r."length"), 'UTF8')
       FROM unnest($1::uuid[], $2::text[], $3::text[], $4::int[], $5::int[], $6::int[]) WITH ORDINALITY
         AS r("id", "type", "workspace_id", "count", "start", "length", "ord")
       ORDER BY r."ord"`,
      [
        packed.map((row) => row.id),
        packed.map((row) => row.type),
        packed.map((row) => row.workspaceId),
        packed.map((row) => row.texts.length),
        starts,
        lengths,
        blob,
      ],
    );
  }

  /**
   * Runs the caller's statement and, in the same statement (so atomically without a transaction of
   * its own), writes the events whose key is among the keys it returns, packed as `insert` packs
   * them. Returns those keys.
   */
  async insertWith(manager: EntityManager, statement: CausingStatement, rows: readonly OutboxRow[]): Promise<string[]> {
    const { texts, lengths, chunks } = encodeEvents(rows);
    const { blob, starts } = slices(texts, lengths);
    const [ids, types, workspaces, keys, chunkIds, startsAt, lengthsAt, blobAt] = [0, 1, 2, 3, 4, 5, 6, 7].map(
      (i) => `$${statement.params.length + 1 + i}`,
    );
    const written = await queryPrepared<{ key: string }>(
      manager,
      `WITH ${statement.ctes}, "caused_keys" AS (${statement.keys}), "caused_events" AS (
         INSERT INTO ${this.table} ("id", "type", "workspace_id", "count", "envelopes")
         SELECT (array_agg(k."id" ORDER BY k."ord"))[1], k."type", k."workspace_id", count(*)::int,
           string_agg(convert_from(substring(${blobAt}::bytea FROM k."start" FOR k."length"), 'UTF8'), ',' ORDER BY k."ord")
         FROM unnest(${ids}::uuid[], ${types}::text[], ${workspaces}::text[], ${keys}::text[], ${chunkIds}::int[], ${startsAt}::int[],
           ${lengthsAt}::int[]) WITH ORDINALITY AS k("id", "type", "workspace_id", "key", "chunk", "start", "length", "ord")
         WHERE k."key" IN (SELECT "key" FROM "caused_keys")
         GROUP BY k."chunk", k."type", k."workspace_id"
         ORDER BY min(k."ord")
       )
       SELECT "key" FROM "caused_keys"`,
      [
        ...statement.params,
        rows.map((row) => row.envelope.id),
        rows.map((row) => row.envelope.type),
        rows.map((row) => row.envelope.workspaceId),
        rows.map((row) => row.key ?? null),
        chunks,
        starts,
        lengths,
        blob,
      ],
    );
    return written.map((row) => row.key);
  }

  /**
   * Takes pending rows, oldest first, up to `limit` events (the row that reaches it included), in
   * the caller's transaction: they are deleted, and locked until it ends, so that a transaction
   * committed once JetStream has acknowledged them removes them, and one rolled back (a failed
   * publish, a relay that died) leaves them pending. Other relays skip locked rows. A row stays in
   * the table only while it is pending, written once and deleted once.
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
           SELECT w."seq" FROM (
             SELECT p."seq", p."count", sum(p."count") OVER (ORDER BY p."seq") AS "upto" FROM (
               SELECT "seq", "count" FROM ${table}
               WHERE "published_at" IS NULL AND ("claimed_until" IS NULL OR "claimed_until" < now())
               ORDER BY "seq" LIMIT $1 FOR UPDATE SKIP LOCKED
             ) p
           ) w
           WHERE w."upto" - w."count" < $1))
         RETURNING o."id", o."seq"::text AS "seq", o."type",
           coalesce(o."workspace_id", o."envelopes"::json->>'workspaceId') AS "workspaceId", o."count", o."envelopes"`,
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
    const [row] = (await this.dataSource.query(
      `SELECT coalesce(sum("count"), 0)::int AS "n" FROM ${this.table} WHERE "published_at" IS NULL`,
    )) as Array<{
      n: number;
    }>;
    return row?.n ?? 0;
  }
}

/**
 * Which packed row each event goes into (0, 1, …, numbered in order of their first event): the
 * events of one type and workspace, in order, together while their texts fit in `maxBytes` (joined
 * by commas, within a JSON array's brackets); an event larger than that alone.
 */
export function packEvents(rows: readonly OutboxRow[], bytes: readonly number[], maxBytes: number): number[] {
  const open = new Map<string, { chunk: number; bytes: number }>();
  let chunks = 0;
  return rows.map((row, i) => {
    const key = `${row.envelope.type}\u0000${row.envelope.workspaceId}`;
    const size = (bytes[i] as number) + 1;
    let current = open.get(key);
    if (!current || (current.bytes > 2 && current.bytes + size > maxBytes)) {
      current = { chunk: chunks++, bytes: 2 };
      open.set(key, current);
    }
    current.bytes += size;
    return current.chunk;
  });
}

/** Each event's envelope as JSON text, its length in UTF-8 bytes, and the row it is packed into (`packEvents`). */
function encodeEvents(rows: readonly OutboxRow[]): { texts: string[]; lengths: number[]; chunks: number[] } {
  const texts = rows.map((row) => JSON.stringify(row.envelope));
  const lengths = texts.map((text) => Buffer.byteLength(text));
  return { texts, lengths, chunks: packEvents(rows, lengths, MAX_MESSAGE_BYTES) };
}

/**
 * The texts (of these UTF-8 lengths) as one buffer, with each one's 1-based byte offset in it. Each
 * text is written into the buffer where it goes: joining them first would make one string of a
 * whole batch's events (hundreds of KiB, a large object of its own to V8) only to copy it once more.
 */
function slices(texts: readonly string[], lengths: readonly number[]): { blob: Buffer; starts: number[] } {
  const starts = new Array<number>(texts.length);
  let total = 0;
  lengths.forEach((length, i) => {
    starts[i] = total + 1;
    total += length;
  });
  const blob = Buffer.allocUnsafe(total);
  texts.forEach((text, i) => blob.write(text, (starts[i] as number) - 1, lengths[i], 'utf8'));
  return { blob, starts };
}
