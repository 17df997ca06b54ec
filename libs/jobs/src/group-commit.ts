export interface GroupCommitOptions {
  /** Most items in one commit. */
  maxBatch: number;
  /** Commits running at once; items submitted while all run wait and leave together in the next. */
  maxInFlight: number;
}

interface Waiting<TItem, TResult> {
  item: TItem;
  resolve: (result: TResult) => void;
  reject: (error: unknown) => void;
}

/**
 * Group commit for a small write that many concurrent tasks make: `submit` answers the result of
 * the commit that carried the item, once it has succeeded (or fails with it). A lone item is committed on the next turn of the event
 * loop, so grouping adds no waiting; under load, the items that arrive while `maxInFlight` commits
 * run leave together in one, so the busier the store, the larger the batches and the fewer commits.
 */
export class GroupCommit<TItem, TResult = void> {
  private readonly waiting: Array<Waiting<TItem, TResult>> = [];
  private flushScheduled = false;
  private inFlight = 0;

  constructor(
    private readonly commit: (items: TItem[]) => Promise<TResult>,
    private readonly options: GroupCommitOptions,
  ) {}

  submit(item: TItem): Promise<TResult> {
    return new Promise<TResult>((resolve, reject) => {
      this.waiting.push({ item, resolve, reject });
      if (this.waiting.length >= this.options.maxBatch) {
        this.flush();
      } else if (!this.flushScheduled) {
        this.flushScheduled = true;
        setImmediate(() => {
          this.flushScheduled = false;
          this.flush();
        });
      }
    });
  }

  private flush(): void {
    while (this.inFlight < this.options.maxInFlight && this.waiting.length > 0) {
      const batch = this.waiting.splice(0, this.options.maxBatch);
      this.inFlight += 1;
      void this.commit(batch.map((w) => w.item))
        .then(
          (result) => batch.forEach((w) => w.resolve(result)),
          (error: unknown) => batch.forEach((w) => w.reject(error)),
        )
        .finally(() => {
          this.inFlight -= 1;
          this.flush();
        });
    }
  }
}
