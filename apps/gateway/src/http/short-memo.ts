interface Memo<T> {
  value: Promise<T>;
  expiresAt: number;
}

/**
 * A small time-bounded memo for lookups on the request path: one lookup in flight per key, an answer
 * reused for `lifetimeMs`, failures not kept. The lifetime bounds how long a change made on another
 * replica (a revoked key, a deleted integration) goes unseen here.
 */
export class ShortMemo<T> {
  private readonly entries = new Map<string, Memo<T>>();

  constructor(
    private readonly lifetimeMs: number,
    private readonly maxEntries = 10_000,
  ) {}

  get(key: string, load: () => Promise<T>): Promise<T> {
    const now = Date.now();
    const hit = this.entries.get(key);
    if (hit && hit.expiresAt > now) return hit.value;
    if (this.entries.size >= this.maxEntries) this.entries.clear();
    const value = load();
    this.entries.set(key, { value, expiresAt: now + this.lifetimeMs });
    value.catch(() => this.entries.delete(key));
    return value;
  }

  /** Forgets a key, so that the next `get` loads it again. */
  forget(key: string): void {
    this.entries.delete(key);
  }
}
