/** Cursor pagination shared by every admin list: `?limit=&cursor=` → `{ items, nextCursor }`. */
export interface Page<T> {
  items: T[];
  /** Pass as `cursor` for the next page; null on the last page. */
  nextCursor: string | null;
}

export const DEFAULT_PAGE_SIZE = 50;
export const MAX_PAGE_SIZE = 200;

/** Lists are ordered by id descending (UUIDv7: newest first); a cursor is the last id seen. */
export function encodeCursor(lastId: string): string {
  return Buffer.from(lastId, 'utf8').toString('base64url');
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export function isUuid(value: string): boolean {
  return UUID.test(value);
}

/** The id inside a cursor, or null when the cursor is not one of ours. */
export function decodeCursor(cursor: string): string | null {
  if (!/^[A-Za-z0-9_-]{1,64}$/.test(cursor)) return null;
  const id = Buffer.from(cursor, 'base64url').toString('utf8');
  return isUuid(id) ? id : null;
}

/**
 * One page from rows read with `LIMIT limit + 1` in id-descending order: the extra row, when there
 * is one, only says that another page follows.
 */
export function pageOf<R extends { id: string }, T>(rows: readonly R[], limit: number, view: (row: R) => T): Page<T> {
  const page = rows.slice(0, limit);
  const last = page.at(-1);
  return { items: page.map(view), nextCursor: rows.length > limit && last ? encodeCursor(last.id) : null };
}

/**
 * A cursor of a list sorted by something other than id: the sort key of the last row seen (as
 * PostgreSQL prints it) and its id, which breaks ties.
 */
export function encodeKeysetCursor(key: string, id: string): string {
  return Buffer.from(JSON.stringify([key, id]), 'utf8').toString('base64url');
}

/** The key and id inside a keyset cursor, or null when the cursor is not one of ours. */
export function decodeKeysetCursor(cursor: string): { key: string; id: string } | null {
  if (!/^[A-Za-z0-9_-]{1,2048}$/.test(cursor)) return null;
  try {
    const parsed: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (!Array.isArray(parsed) || parsed.length !== 2) return null;
    const [key, id] = parsed as unknown[];
    return typeof key === 'string' && typeof id === 'string' && isUuid(id) ? { key, id } : null;
  } catch {
    return null;
  }
}
