import type { EntityManager } from 'typeorm';

const BEFORE_COMMIT = Symbol('leadflow.beforeCommit');

/** Work gathered by the handlers of one transaction, done once after the last of them. */
export interface BeforeCommit {
  flush(manager: EntityManager): Promise<void>;
}

type Pending = Map<object, BeforeCommit>;

function pendingOf(manager: EntityManager): Pending {
  const queryRunner = manager.queryRunner;
  if (!queryRunner?.isTransactionActive) throw new Error('beforeCommit must run inside a database transaction');
  const data = queryRunner.data as Record<symbol, Pending | undefined>;
  let pending = data[BEFORE_COMMIT];
  if (!pending) {
    pending = new Map();
    data[BEFORE_COMMIT] = pending;
  }
  return pending;
}

/**
 * The accumulator `key` names in this transaction, made by `create` on first use. Event handlers
 * use it to turn many small writes into one: each handler adds to it, and the inbox consumer
 * flushes it after the last event of the transaction and before the commit, so the writes still
 * commit with the inbox rows or not at all.
 */
export function beforeCommit<T extends BeforeCommit>(manager: EntityManager, key: object, create: () => T): T {
  const pending = pendingOf(manager);
  let work = pending.get(key) as T | undefined;
  if (!work) {
    work = create();
    pending.set(key, work);
  }
  return work;
}

/** Runs the work gathered in this transaction, in the order it was first asked for. */
export async function flushBeforeCommit(manager: EntityManager): Promise<void> {
  const pending = pendingOf(manager);
  for (const work of pending.values()) await work.flush(manager);
  pending.clear();
}
