import { qualifiedTable } from '@leadflow/database';
import type { DataSource } from 'typeorm';

export interface PendingOutboxRow {
  id: string;
  seq: string;
  type: string;
  envelope: { correlationId?: string } & Record<string, unknown>;
}

/** The relay's SQL on the `outbox` table: claim a batch, mark it published, release what failed. */
export class OutboxRelayRepository {
  constructor(private readonly dataSource: DataSource) {}

  private get table(): string {
    return qualifiedTable(this.dataSource, 'outbox');
  }

  /** Claims up to `limit` unpublished rows for `leaseMs` with one statement, oldest first. */
  async claim(limit: number, leaseMs: number): Promise<PendingOutboxRow[]> {
    const table = this.table;
    // TypeORM answers an UPDATE … RETURNING with [rows, affected].
    const [rows] = (await this.dataSource.query(
      `UPDATE ${table} o SET "claimed_until" = now() + make_interval(secs => $2::float8 / 1000), "attempts" = o."attempts" + 1
         FROM (SELECT "id" FROM ${table}
               WHERE "published_at" IS NULL AND ("claimed_until" IS NULL OR "claimed_until" < now())
               ORDER BY "seq" LIMIT $1 FOR UPDATE SKIP LOCKED) AS c
         WHERE o."id" = c."id"
         RETURNING o."id", o."seq", o."type", o."envelope"`,
      [limit, leaseMs],
    )) as [PendingOutboxRow[], number];
    // RETURNING keeps no order; publishing does, as far as concurrent publishes can.
    return rows.sort((a, b) => Number(BigInt(a.seq) - BigInt(b.seq)));
  }

  async markPublished(ids: readonly string[]): Promise<void> {
    if (ids.length === 0) return;
    await this.dataSource.query(`UPDATE ${this.table} SET "published_at" = now() WHERE "id" = ANY($1::uuid[])`, [ids]);
  }

  /** Frees rows whose publish failed for the relay's next pass, keeping the error. */
  async release(ids: readonly string[], error: string): Promise<void> {
    if (ids.length === 0) return;
    await this.dataSource.query(`UPDATE ${this.table} SET "claimed_until" = NULL, "last_error" = $2 WHERE "id" = ANY($1::uuid[])`, [
      ids,
      error,
    ]);
  }

  async pendingCount(): Promise<number> {
    const [row] = (await this.dataSource.query(`SELECT count(*)::int AS "n" FROM ${this.table} WHERE "published_at" IS NULL`)) as Array<{
      n: number;
    }>;
    return row?.n ?? 0;
  }
}
