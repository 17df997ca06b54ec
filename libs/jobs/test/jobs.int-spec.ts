import { createTestDatabase, type TestDatabase, waitFor } from '@leadflow/testing';
import { PermanentJobFailure } from '../src';
import { Replica } from './replica';

interface JobRow {
  id: string;
  attempts: number;
  completed_at: Date | null;
  dead_at: Date | null;
  last_error: string | null;
  claimed_until: Date | null;
}

describe('jobs shared by replicas', () => {
  let db: TestDatabase;
  let a: Replica;
  let b: Replica;
  const rowsOf = (kind: string) =>
    db.query<JobRow>(`SELECT id, attempts, completed_at, dead_at, last_error, claimed_until FROM worker.jobs WHERE kind = $1`, [kind]);
  const rowOf = async (id: string) => (await db.query<JobRow>(`SELECT * FROM worker.jobs WHERE id = $1`, [id]))[0];

  beforeAll(async () => {
    db = await createTestDatabase('jobs');
    a = await Replica.open(db.url, 'replica-a');
    b = await Replica.open(db.url, 'replica-b');
  });

  afterEach(async () => {
    await a.stopAll();
    await b.stopAll();
  });

  afterAll(async () => {
    await a?.close();
    await b?.close();
    await db?.drop();
  });

  it('runs every job of a queue two replicas share exactly once, and both replicas take part', async () => {
    const runs: Array<{ id: string; replica: string }> = [];
    for (const [replica, name] of [
      [a, 'a'],
      [b, 'b'],
    ] as const) {
      replica
        .worker({ batchSize: 5 })
        .handle<{ n: number }>('shared.count', async (job) => {
          await new Promise((resolve) => setTimeout(resolve, 2));
          runs.push({ id: job.id, replica: name });
        })
        .start();
    }

    const ids: string[] = [];
    for (let i = 0; i < 10; i += 1) {
      const queue = i % 2 === 0 ? a.queue : b.queue;
      ids.push(...(await queue.add(Array.from({ length: 30 }, (_, n) => ({ kind: 'shared.count', payload: { n: i * 30 + n } })))));
    }

    await waitFor(async () => (await rowsOf('shared.count')).every((row) => row.completed_at !== null), {
      what: '300 jobs completed',
      timeoutMs: 30000,
    });
    expect(runs.map((run) => run.id).sort()).toEqual([...ids].sort());
    expect(new Set(runs.map((run) => run.replica))).toEqual(new Set(['a', 'b']));
    const rows = await rowsOf('shared.count');
    expect(rows).toHaveLength(300);
    expect(rows.every((row) => row.attempts === 1 && row.claimed_until === null && row.dead_at === null)).toBe(true);
  });

  it('adds a job with the transaction that caused it: none after a rollback, and the worker is woken by the commit', async () => {
    const ran: string[] = [];
    // A poll far longer than the test: only the wake after commit can run the job in time.
    a.worker({ pollIntervalMs: 60_000 })
      .handle('tx.job', async (job) => void ran.push(job.id))
      .start();
    await new Promise((resolve) => setTimeout(resolve, 100));

    await a.dataSource
      .transaction(async (manager) => {
        await a.queue.add([{ kind: 'tx.job', payload: { rolledBack: true } }], manager);
        throw new Error('roll back');
      })
      .catch(() => undefined);
    const [id] = await a.dataSource.transaction((manager) => a.queue.add([{ kind: 'tx.job', payload: {}, workspaceId: 'ws-1' }], manager));

    await waitFor(() => ran.length === 1, { what: 'the committed job', timeoutMs: 3000 });
    expect(ran).toEqual([id]);
    expect(await rowsOf('tx.job')).toHaveLength(1);
    expect((await db.query<{ workspace_id: string }>(`SELECT workspace_id FROM worker.jobs WHERE id = $1`, [id]))[0]?.workspace_id).toBe(
      'ws-1',
    );
  });

  it('retries a failing job after growing delays, then dead-letters it after its last attempt with its error', async () => {
    const attempts: Array<{ attempt: number; at: number }> = [];
    a.worker({ retry: { baseDelayMs: 200, maxDelayMs: 10_000, jitter: 0 } })
      .handle('always.fails', async (job) => {
        attempts.push({ attempt: job.attempt, at: Date.now() });
        throw new Error(`remote answered 503 on attempt ${job.attempt}`);
      })
      .start();
    const [id] = await a.queue.add([{ kind: 'always.fails', payload: {}, maxAttempts: 3 }]);

    await waitFor(async () => Boolean((await rowOf(id as string))?.dead_at), { what: 'the job dead-lettered', timeoutMs: 10000 });
    const row = await rowOf(id as string);
    expect(row).toMatchObject({ attempts: 3, completed_at: null, claimed_until: null, last_error: 'remote answered 503 on attempt 3' });
    expect(attempts.map((x) => x.attempt)).toEqual([1, 2, 3]);
    // 200 ms after the first failure, 400 ms after the second (minus the timer's granularity).
    expect((attempts[1]?.at ?? 0) - (attempts[0]?.at ?? 0)).toBeGreaterThanOrEqual(180);
    expect((attempts[2]?.at ?? 0) - (attempts[1]?.at ?? 0)).toBeGreaterThanOrEqual(380);
    // Nothing runs it again.
    await new Promise((resolve) => setTimeout(resolve, 600));
    expect(attempts).toHaveLength(3);
  });

  it('completes a job that succeeds on a retry, and dead-letters at once a job that fails permanently', async () => {
    let calls = 0;
    a.worker({ retry: { baseDelayMs: 50, maxDelayMs: 1000, jitter: 0 } })
      .handle('flaky', async () => {
        calls += 1;
        if (calls < 2) throw new Error('timeout');
      })
      .handle('malformed', async () => {
        throw new PermanentJobFailure('payload has no contactId');
      })
      .start();
    const [flaky] = await a.queue.add([{ kind: 'flaky', payload: {} }]);
    const [malformed] = await a.queue.add([{ kind: 'malformed', payload: {} }]);

    await waitFor(async () => Boolean((await rowOf(flaky as string))?.completed_at), { what: 'the flaky job completed' });
    await waitFor(async () => Boolean((await rowOf(malformed as string))?.dead_at), { what: 'the malformed job dead' });
    expect(await rowOf(flaky as string)).toMatchObject({ attempts: 2, dead_at: null, last_error: 'timeout' });
    expect(await rowOf(malformed as string)).toMatchObject({ attempts: 1, completed_at: null, last_error: 'payload has no contactId' });
  });

  it('lets the other replica take a job whose runner died once its lease has run out', async () => {
    const [id] = await a.queue.add([{ kind: 'orphaned', payload: {} }]);
    // Replica a claims the job for 2 s and dies: it never settles it.
    const [claimed] = await a.jobs.claim(['orphaned'], 10, 2000);
    expect(claimed).toMatchObject({ id, attempts: 1 });

    const ranOnB: number[] = [];
    b.worker({ pollIntervalMs: 50 })
      .handle('orphaned', async (job) => void ranOnB.push(job.attempt))
      .start();
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(ranOnB).toEqual([]); // the lease still holds

    await waitFor(async () => Boolean((await rowOf(id as string))?.completed_at), { what: 'the job completed on b', timeoutMs: 10000 });
    expect(ranOnB).toEqual([2]);
    // The dead runner's late report is fenced off by the attempt it claimed.
    await a.jobs.markFailed([{ id: id as string, attempts: 1, error: 'too late', dead: true, retryInMs: 0 }]);
    expect(await rowOf(id as string)).toMatchObject({ attempts: 2, dead_at: null, last_error: null });
  });

  it('dead-letters a job whose runner died during its last attempt instead of running it again', async () => {
    const [id] = await a.queue.add([{ kind: 'poison', payload: {}, maxAttempts: 1 }]);
    expect(await a.jobs.claim(['poison'], 10, 200)).toHaveLength(1);
    await new Promise((resolve) => setTimeout(resolve, 300));

    expect(await b.jobs.claim(['poison'], 10, 200)).toEqual([]);
    const row = await rowOf(id as string);
    expect(row?.dead_at).not.toBeNull();
    expect(row?.last_error).toMatch(/lease ran out/);
  });

  it('finishes the jobs in flight when stopped and claims no more', async () => {
    let release: () => void = () => undefined;
    const started: string[] = [];
    const worker = a.worker({ batchSize: 1 }).handle('slow', async (job) => {
      started.push(job.id);
      await new Promise<void>((resolve) => (release = resolve));
    });
    worker.start();
    const [first, second] = await a.queue.add([
      { kind: 'slow', payload: {}, runAt: new Date(Date.now() - 1000) },
      { kind: 'slow', payload: {} },
    ]);
    await waitFor(() => started.length === 1, { what: 'the first job started' });

    const stopped = worker.stop();
    release();
    await stopped;
    expect(started).toEqual([first]);
    expect((await rowOf(first as string))?.completed_at).not.toBeNull();
    expect(await rowOf(second as string)).toMatchObject({ attempts: 0, completed_at: null, claimed_until: null });
  });
});
