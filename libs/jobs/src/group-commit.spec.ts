import { GroupCommit } from './group-commit';

/** A commit that is held open until the test lets it finish. */
function heldCommits() {
  const batches: number[][] = [];
  const finish: Array<(error?: Error) => void> = [];
  const commit = (items: number[]) =>
    new Promise<void>((resolve, reject) => {
      batches.push(items);
      finish.push((error) => (error ? reject(error) : resolve()));
    });
  return { batches, finish, commit };
}

const turn = () => new Promise((resolve) => setImmediate(resolve));

describe('GroupCommit', () => {
  it('commits a lone item on the next turn of the event loop', async () => {
    const { batches, finish, commit } = heldCommits();
    const group = new GroupCommit(commit, { maxBatch: 10, maxInFlight: 1 });
    const done = group.submit(1);
    expect(batches).toEqual([]);
    await turn();
    expect(batches).toEqual([[1]]);
    finish[0]?.();
    await expect(done).resolves.toBeUndefined();
  });

  it('sends what arrives while the commits in flight run as one batch, in order', async () => {
    const { batches, finish, commit } = heldCommits();
    const group = new GroupCommit(commit, { maxBatch: 10, maxInFlight: 1 });
    const first = group.submit(1);
    await turn();
    const later = [2, 3, 4].map((n) => group.submit(n));
    await turn();
    expect(batches).toEqual([[1]]);
    finish[0]?.();
    await first;
    await turn();
    expect(batches).toEqual([[1], [2, 3, 4]]);
    finish[1]?.();
    await Promise.all(later);
  });

  it('keeps batches within maxBatch and runs up to maxInFlight at once', async () => {
    const { batches, commit } = heldCommits();
    const group = new GroupCommit(commit, { maxBatch: 2, maxInFlight: 2 });
    for (const n of [1, 2, 3, 4, 5]) void group.submit(n);
    await turn();
    expect(batches).toEqual([
      [1, 2],
      [3, 4],
    ]);
  });

  it('answers each item the result of the commit that carried it', async () => {
    const group = new GroupCommit(async (items: number[]) => items.reduce((sum, n) => sum + n, 0), { maxBatch: 2, maxInFlight: 1 });
    await expect(Promise.all([1, 2, 3].map((n) => group.submit(n)))).resolves.toEqual([3, 3, 3]);
  });

  it('fails every item of a failed commit, and goes on with the next batch', async () => {
    const { batches, finish, commit } = heldCommits();
    const group = new GroupCommit(commit, { maxBatch: 10, maxInFlight: 1 });
    const failed = [group.submit(1), group.submit(2)];
    await turn();
    const next = group.submit(3);
    finish[0]?.(new Error('the store is gone'));
    for (const item of failed) await expect(item).rejects.toThrow('the store is gone');
    await turn();
    expect(batches).toEqual([[1, 2], [3]]);
    finish[1]?.();
    await expect(next).resolves.toBeUndefined();
  });
});
