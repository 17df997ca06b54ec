import { type BatchOutcome, ClaimLoop, type ClaimLoopOptions, DownstreamFailure, type LeasedQueue } from './claim-loop';

/** A queue in memory: claims take items off the front; outcomes are recorded. */
class MemoryQueue implements LeasedQueue<number> {
  readonly pending: number[] = [];
  readonly claims: number[] = [];
  readonly outcomes: Array<BatchOutcome<number>> = [];

  async claim(limit: number): Promise<number[]> {
    const items = this.pending.splice(0, limit);
    this.claims.push(items.length);
    return items;
  }

  async settle(outcome: BatchOutcome<number>): Promise<void> {
    this.outcomes.push(outcome);
  }
}

const silent = { info: () => undefined, warn: () => undefined };
const tick = (ms = 20) => new Promise((resolve) => setTimeout(resolve, ms));

function loopOn(queue: MemoryQueue, options: Partial<ClaimLoopOptions<number>> = {}): ClaimLoop<number> {
  return new ClaimLoop<number>({
    name: 'test loop',
    queue,
    run: async () => undefined,
    batchSize: 3,
    leaseMs: 1000,
    pollIntervalMs: 60_000,
    failureMeans: 'item',
    logger: silent,
    ...options,
  });
}

describe('ClaimLoop', () => {
  it('claims batches until one comes back short and settles each batch once', async () => {
    const queue = new MemoryQueue();
    queue.pending.push(1, 2, 3, 4, 5, 6, 7);
    const ran: number[] = [];
    const loop = loopOn(queue, { run: async (item) => void ran.push(item) });

    expect(await loop.drain()).toBe(7);
    expect(queue.claims).toEqual([3, 3, 1]);
    expect(ran).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(queue.outcomes.map((o) => o.done)).toEqual([[1, 2, 3], [4, 5, 6], [7]]);
  });

  it('settles a failed item as failed with its error and goes on when a failure is the item’s own', async () => {
    const queue = new MemoryQueue();
    queue.pending.push(1, 2, 3, 4);
    const loop = loopOn(queue, {
      run: async (item) => {
        if (item === 2) throw new Error('item 2 is broken');
      },
    });

    expect(await loop.drain()).toBe(3);
    expect(queue.outcomes[0]?.failed).toEqual([{ item: 2, error: new Error('item 2 is broken') }]);
    expect(queue.outcomes[1]?.done).toEqual([4]);
  });

  it('stops the pass after a batch with failures when a failure means the downstream is out', async () => {
    const queue = new MemoryQueue();
    queue.pending.push(1, 2, 3, 4);
    const loop = loopOn(queue, {
      failureMeans: 'downstream',
      run: async (item) => {
        if (item === 1) throw new Error('NATS unavailable');
      },
    });

    await expect(loop.drain()).rejects.toBeInstanceOf(DownstreamFailure);
    expect(queue.claims).toEqual([3]);
    expect(queue.outcomes[0]?.done).toEqual([2, 3]);
  });

  it('backs off after a downstream failure instead of claiming again at once', async () => {
    const queue = new MemoryQueue();
    let failing = true;
    const loop = loopOn(queue, {
      failureMeans: 'downstream',
      pollIntervalMs: 100,
      run: async (item) => {
        if (failing) {
          queue.pending.unshift(item); // released, as the outbox releases a row it could not publish
          throw new Error('NATS unavailable');
        }
      },
    });
    queue.pending.push(1);
    loop.start();
    await tick(150);
    // At 100 ms then 200 ms after failures, not once per event-loop turn.
    expect(queue.claims.length).toBeLessThanOrEqual(2);
    failing = false;
    loop.wake();
    await tick(50);
    await loop.stop();
    expect(queue.outcomes.at(-1)?.done).toEqual([1]);
  });

  it('takes a pass as soon as it is woken, without waiting for the poll', async () => {
    const queue = new MemoryQueue();
    const ran: number[] = [];
    const loop = loopOn(queue, { run: async (item) => void ran.push(item) });
    loop.start();
    await tick();
    queue.pending.push(42);
    loop.wake();
    await tick();
    expect(ran).toEqual([42]);
    await loop.stop();
  });

  it('spaces its passes by minPassIntervalMs: wakes in between make one pass when it is up, a wake after a quiet spell one at once', async () => {
    const queue = new MemoryQueue();
    const ran: Array<{ item: number; at: number }> = [];
    const loop = loopOn(queue, { batchSize: 10, minPassIntervalMs: 300, run: async (item) => void ran.push({ item, at: Date.now() }) });
    queue.pending.push(1);
    loop.start();
    await tick();
    for (const item of [2, 3, 4]) {
      queue.pending.push(item);
      loop.wake();
      await tick();
    }
    expect(ran.map((r) => r.item)).toEqual([1]);
    await tick(350);
    expect(ran.map((r) => r.item)).toEqual([1, 2, 3, 4]);
    expect(queue.claims).toEqual([1, 3]);
    expect((ran[1]?.at ?? 0) - (ran[0]?.at ?? 0)).toBeGreaterThanOrEqual(295);

    await tick(350);
    queue.pending.push(5);
    loop.wake();
    await tick();
    expect(ran.map((r) => r.item)).toEqual([1, 2, 3, 4, 5]);

    // A stop does not wait for the interval.
    queue.pending.push(6);
    loop.wake();
    const stopping = Date.now();
    await loop.stop();
    expect(Date.now() - stopping).toBeLessThan(250);
  });

  it('finishes and settles the batch in flight when stopped, and claims nothing more', async () => {
    const queue = new MemoryQueue();
    queue.pending.push(1, 2);
    let finish: () => void = () => undefined;
    const loop = loopOn(queue, { batchSize: 1, run: () => new Promise<void>((resolve) => (finish = resolve)) });
    loop.start();
    await tick();
    const stopped = loop.stop();
    finish();
    await stopped;
    expect(queue.outcomes).toEqual([{ done: [1], failed: [] }]);
    expect(queue.pending).toEqual([2]);
  });

  it('runs what is still claimable at stop when asked to drain on stop', async () => {
    const queue = new MemoryQueue();
    const loop = loopOn(queue, { drainOnStop: true });
    loop.start();
    await tick();
    queue.pending.push(1, 2);
    await loop.stop();
    expect(queue.pending).toEqual([]);
    expect(queue.outcomes.at(-1)?.done).toEqual([1, 2]);
  });
});
