import { encodeKeysetCursor, type Page, pageOf } from '@leadflow/contracts';

/** Anything that runs SQL with numbered parameters: a DataSource, an EntityManager, a QueryRunner. */
export interface SqlRunner {
  query(sql: string, parameters?: unknown[]): Promise<unknown>;
}

/**
 * A WHERE clause grown from optional filters, with numbered parameters: the one way repositories
 * build filtered reads, so that a value never lands in SQL text.
 */
export class SqlFilter {
  private readonly values: unknown[] = [];
  private readonly conditions: string[] = [];

  /** The placeholder (`$n`) of a new parameter holding `value`. */
  param(value: unknown): string {
    this.values.push(value);
    return `$${this.values.length}`;
  }

  /**
   * Adds a condition. Every `?` in it stands for `value` (one parameter however often it appears);
   * with a value of `undefined` the condition is left out, so optional filters need no `if`.
   */
  where(condition: string, ...value: [] | [unknown]): this {
    if (value.length === 0) {
      this.conditions.push(condition);
      return this;
    }
    if (value[0] === undefined) return this;
    const placeholder = this.param(value[0]);
    this.conditions.push(condition.replaceAll('?', placeholder));
    return this;
  }

  /** Another filter with the same conditions and parameters, to grow without changing this one. */
  copy(): SqlFilter {
    const copy = new SqlFilter();
    copy.values.push(...this.values);
    copy.conditions.push(...this.conditions);
    return copy;
  }

  get sql(): string {
    return this.conditions.length === 0 ? 'TRUE' : this.conditions.join(' AND ');
  }

  get params(): unknown[] {
    return [...this.values];
  }
}

export interface PageQuery {
  /** The select list, e.g. `l."id", l."source"`. */
  select: string;
  /** The FROM clause, joins included. */
  from: string;
  filter: SqlFilter;
  /** The id column pages are ordered by, descending (UUIDv7: newest first). */
  idColumn: string;
  /** The last id of the previous page (a decoded cursor). */
  afterId?: string;
  limit: number;
}

/**
 * One cursor page of a filtered list: rows ordered by id descending, read with one extra row that
 * only says whether another page follows.
 */
export async function selectPage<R extends { id: string }, T>(runner: SqlRunner, query: PageQuery, view: (row: R) => T): Promise<Page<T>> {
  const filter = query.filter.copy();
  if (query.afterId !== undefined) filter.where(`${query.idColumn} < ?`, query.afterId);
  const limit = filter.param(query.limit + 1);
  const rows = (await runner.query(
    `SELECT ${query.select} FROM ${query.from} WHERE ${filter.sql} ORDER BY ${query.idColumn} DESC LIMIT ${limit}`,
    filter.params,
  )) as R[];
  return pageOf(rows, query.limit, view);
}

export interface KeysetPageQuery extends Omit<PageQuery, 'idColumn' | 'afterId'> {
  idColumn: string;
  /** The expression rows are sorted by (never null), and the type its printed form is read back as. */
  sortKey: { sql: string; type: 'text' | 'timestamptz' };
  order: 'asc' | 'desc';
  /** The decoded cursor of the previous page. */
  after?: { key: string; id: string };
}

/**
 * One cursor page of a list sorted by `sortKey` then id (ties), in either direction: the next page
 * starts strictly after the (key, id) of the last row seen. The key travels as PostgreSQL prints
 * it, so a timestamp keeps its microseconds.
 */
export async function selectKeysetPage<R extends { id: string }, T>(
  runner: SqlRunner,
  query: KeysetPageQuery,
  view: (row: R) => T,
): Promise<Page<T>> {
  const filter = query.filter.copy();
  const direction = query.order === 'asc' ? 'ASC' : 'DESC';
  if (query.after !== undefined) {
    const key = filter.param(query.after.key);
    const id = filter.param(query.after.id);
    filter.where(
      `(${query.sortKey.sql}, ${query.idColumn}) ${query.order === 'asc' ? '>' : '<'} (${key}::${query.sortKey.type}, ${id}::uuid)`,
    );
  }
  const limit = filter.param(query.limit + 1);
  const rows = (await runner.query(
    `SELECT ${query.select}, (${query.sortKey.sql})::text AS "sort_key" FROM ${query.from} WHERE ${filter.sql}
     ORDER BY ${query.sortKey.sql} ${direction}, ${query.idColumn} ${direction} LIMIT ${limit}`,
    filter.params,
  )) as Array<R & { sort_key: string }>;
  const page = rows.slice(0, query.limit);
  const last = page.at(-1);
  return { items: page.map(view), nextCursor: rows.length > query.limit && last ? encodeKeysetCursor(last.sort_key, last.id) : null };
}
