import type { EntityManager, EntitySubscriberInterface, TransactionCommitEvent } from 'typeorm';

/**
 * Wakes a claim loop when a transaction that gave it work commits, not before (the loop would
 * find nothing yet) and not after a rollback. A write marks its transaction with `mark`; the
 * subscriber, registered once on the data source, wakes the loop on that transaction's commit.
 */
export class WakeAfterCommit implements EntitySubscriberInterface {
  constructor(
    private readonly key: string,
    private readonly wake: () => void,
  ) {}

  /**
   * Marks the transaction `manager` runs in; answers false when it runs in none (the write has
   * committed already, so the caller wakes the loop itself).
   */
  static mark(manager: EntityManager, key: string): boolean {
    const queryRunner = manager.queryRunner;
    if (!queryRunner?.isTransactionActive) return false;
    queryRunner.data = { ...queryRunner.data, [key]: true };
    return true;
  }

  /** Marks the transaction `manager` runs in, or, when the write ran in none, wakes the loop at once. */
  static markOrWake(manager: EntityManager | undefined, key: string, wake: () => void): void {
    if (!manager || !WakeAfterCommit.mark(manager, key)) wake();
  }

  afterTransactionCommit(event: TransactionCommitEvent): void {
    const data = event.queryRunner.data as Record<string, unknown> | undefined;
    if (data?.[this.key]) {
      delete data[this.key];
      this.wake();
    }
  }

  afterTransactionRollback(event: TransactionCommitEvent): void {
    const data = event.queryRunner.data as Record<string, unknown> | undefined;
    if (data) delete data[this.key];
  }
}
