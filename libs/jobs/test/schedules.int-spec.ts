import { createTestDatabase, type TestDatabase, waitFor } from '@leadflow/testing';
import { Replica } from './replica';

describe('schedules shared by replicas', () => {
  let db: TestDatabase;
  let a: Replica;
  let b: Replica;

  beforeAll(async () => {
    db = await createTestDatabase('schedules');
    a = await Replica.open(db.url, 'replica-a');
    b = await Replica.open(db.url, 'replica-b');
  });

  afterAll(async () => {
    await a?.close();
    await b?.close();
    await db?.drop();
  });

  it('runs a task once per interval slot while two replicas poll for it', async () => {
    const interval = 300;
    const runs: Array<{ replica: string; due: Date; at: number }> = [];
    // From before the first replica starts: its first run may come while the second one starts.
    const started = Date.now();
    for (const [replica, name] of [
      [a, 'a'],
      [b, 'b'],
    ] as const) {
      await replica
        .scheduler(10)
        .add({ name: 'rollup', intervalMs: interval, run: async ({ due }) => void runs.push({ replica: name, due, at: Date.now() }) })
        .start();
    }
    // Five slots' runs (a busy machine may take longer than five intervals to make them), then stop.
    await waitFor(async () => runs.length >= 5, { what: 'five runs', timeoutMs: 10000, intervalMs: 20 });
    await a.stopAll();
    await b.stopAll();
    const elapsed = Date.now() - started;

    // Every run is for its own slot, the slots are a grid of the interval, and there are no more
    // runs than slots in the time the replicas polled.
    const dues = runs.map((run) => run.due.getTime());
    expect(new Set(dues).size).toBe(runs.length);
    const first = Math.min(...dues);
    expect(dues.every((due) => (due - first) % interval === 0)).toBe(true);
    expect(runs.length).toBeLessThanOrEqual(Math.floor(elapsed / interval) + 1);
    expect(runs.length).toBeGreaterThanOrEqual(5);
    // No run started before its slot.
    expect(runs.every((run) => run.at >= run.due.getTime() - 50)).toBe(true);
    const [row] = await db.query<{ runs: string; claimed_until: Date | null; last_completed_at: Date | null }>(
      `SELECT runs, claimed_until, last_completed_at FROM worker.schedules WHERE name = 'rollup'`,
    );
    expect(Number(row?.runs)).toBe(runs.length);
    expect(row?.claimed_until).toBeNull();
  });

  it('starts no run on another replica while a run that outlasts the interval holds its lease', async () => {
    const spans: Array<{ start: number; end: number }> = [];
    for (const replica of [a, b]) {
      await replica
        .scheduler(10, 5000)
        .add({
          name: 'slow-sync',
          intervalMs: 100,
          run: async () => {
            const start = Date.now();
            await new Promise((resolve) => setTimeout(resolve, 350));
            spans.push({ start, end: Date.now() });
          },
        })
        .start();
    }
    await waitFor(() => spans.length >= 3, { what: 'three runs', timeoutMs: 10000 });
    await a.stopAll();
    await b.stopAll();

    spans.sort((x, y) => x.start - y.start);
    for (let i = 1; i < spans.length; i += 1) expect(spans[i]?.start).toBeGreaterThanOrEqual(spans[i - 1]?.end ?? Infinity);
  });

  it('keeps the error of a failed run and runs the task again at its next slot', async () => {
    let calls = 0;
    await a
      .scheduler(10)
      .add({
        name: 'fails-once',
        intervalMs: 200,
        run: async () => {
          calls += 1;
          if (calls === 1) throw new Error('warehouse unreachable');
        },
      })
      .start();
    await waitFor(async () => {
      const [row] = await db.query<{ last_error: string | null }>(`SELECT last_error FROM worker.schedules WHERE name = 'fails-once'`);
      return row?.last_error === 'warehouse unreachable';
    });
    await waitFor(() => calls >= 2, { what: 'the next slot' });
    await a.stopAll();
    const [row] = await db.query<{ last_error: string | null; last_completed_at: Date | null }>(
      `SELECT last_error, last_completed_at FROM worker.schedules WHERE name = 'fails-once'`,
    );
    expect(row?.last_error).toBeNull();
    expect(row?.last_completed_at).not.toBeNull();
  });
});
