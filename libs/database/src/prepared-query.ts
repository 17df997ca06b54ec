import { createHash } from 'node:crypto';
import type { EntityManager } from 'typeorm';

/** The part of node-postgres' client a prepared statement needs. */
interface PgClient {
  query(config: { name: string; text: string; values: unknown[] }): Promise<{ rows: unknown[] }>;
}

const names = new Map<string, string>();

/** A statement's name on every connection: a digest of its text, so one name never means two texts. */
function statementName(sql: string): string {
  let name = names.get(sql);
  if (name === undefined) {
    name = `lf_${createHash('sha256').update(sql).digest('hex').slice(0, 24)}`;
    names.set(sql, name);
  }
  return name;
}

/**
 * Runs a statement as a named prepared statement: each connection parses it once, and PostgreSQL
 * may keep its plan, instead of parsing and planning it on every call. For the statements a hot
 * path runs many times a second with the same text (and a bounded set of texts: each one stays
 * prepared on every connection that ran it). Runs in the manager's transaction when it has one.
 * Returns the rows (of a RETURNING clause too).
 */
export async function queryPrepared<T>(manager: EntityManager, sql: string, params: readonly unknown[]): Promise<T[]> {
  const own = manager.queryRunner === undefined || manager.queryRunner.isReleased;
  const runner = own ? manager.connection.createQueryRunner() : manager.queryRunner;
  try {
    const client = (await runner.connect()) as PgClient;
    const result = await client.query({ name: statementName(sql), text: sql, values: [...params] });
    return result.rows as T[];
  } finally {
    if (own) await runner.release();
  }
}
