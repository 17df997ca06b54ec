import type { EntityManager } from 'typeorm';

/**
 * Transaction-scoped advisory locks on these keys (one per distinct key, held until the transaction
 * ends), all taken by one statement in one fixed order: two transactions locking overlapping keys
 * wait for each other, never in a cycle. Keys share one lock space across the database, so each
 * caller prefixes its own (`scoring:contact_scores:…`); a hash collision only makes two keys wait
 * for each other.
 */
export async function lockKeys(manager: EntityManager, keys: readonly string[]): Promise<void> {
  if (keys.length === 0) return;
  await manager.query(
    `SELECT pg_advisory_xact_lock(hashtextextended("key", 0))
     FROM (SELECT "key" FROM unnest($1::text[]) AS k("key") ORDER BY "key" COLLATE "C") AS ordered`,
    [[...new Set(keys)]],
  );
}
