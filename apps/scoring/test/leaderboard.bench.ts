/**
 * Leaderboard benchmark (a benchmark, not a test):
 *   node tools/run-ts.js tools/test/with-services.ts node tools/run-ts.js apps/scoring/test/leaderboard.bench.ts [--contacts 1000000]
 *
 * Seeds a scratch database (scoring's migrations) with `--contacts` active score rows in one
 * workspace with generate_series (plus 1 % soft-deleted contacts and a second workspace of the
 * same size, so the index has to tell them apart), ANALYZEs, then times the leaderboard query
 * through ContactDeletionsRepository: the first page, a deep page (from a cursor in the middle),
 * and a page of one stage. Prints the median and p95 of each and the plan (EXPLAIN), which must
 * walk `contact_scores_leaderboard_idx`. Exits 1 when a median is over the 50 ms target or the plan
 * does not use the index. The database is dropped at the end.
 */
import { openServiceDatabase } from '@leadflow/testing';
import { performance } from 'node:perf_hooks';
import { ContactDeletionsRepository } from '../src/contact-visibility/contact-deletions.repository';
import { scoringMigrations } from '../src/database/migrations';

const TARGET_MS = 50;
const RUNS = 50;

function argument(name: string, fallback: number): number {
  const at = process.argv.indexOf(`--${name}`);
  return at >= 0 ? Number(process.argv[at + 1]) : fallback;
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))] as number;
}

function print(line: string): void {
  process.stdout.write(`${line}\n`);
}

async function main(): Promise<void> {
  const contacts = argument('contacts', 1_000_000);
  const database = await openServiceDatabase('scoring', scoringMigrations);
  try {
    const { dataSource } = database;
    const seedStart = performance.now();
    for (const workspace of ['bench', 'other']) {
      // Scores 0..999 (many ties, as real scores have), stages by the default thresholds.
      await database.db.query(
        `INSERT INTO scoring.contact_scores (workspace_id, contact_id, score, stage)
         SELECT $1, md5($1 || i::text)::uuid, s, CASE WHEN s >= 100 THEN 'qualified' WHEN s >= 50 THEN 'hot' WHEN s >= 20 THEN 'warm' ELSE 'cold' END
         FROM (SELECT i, (abs(hashtext($1 || i::text)) % 1000) AS s FROM generate_series(1, $2::int) AS i) g`,
        [workspace, contacts],
      );
    }
    await database.db.query(
      `INSERT INTO scoring.contact_deletions (workspace_id, contact_id, deleted, version)
       SELECT workspace_id, contact_id, true, 2 FROM scoring.contact_scores WHERE workspace_id = 'bench' AND abs(hashtext(contact_id::text)) % 100 = 0`,
    );
    await database.db.query(`ANALYZE scoring.contact_scores`);
    await database.db.query(`ANALYZE scoring.contact_deletions`);
    const seedS = (performance.now() - seedStart) / 1000;

    const repository = new ContactDeletionsRepository(dataSource);
    const manager = dataSource.manager;
    const middle = (
      await database.db.query<{ score: number; contact_id: string }>(
        `SELECT score, contact_id FROM scoring.contact_scores WHERE workspace_id = 'bench' ORDER BY score DESC, contact_id OFFSET $1 LIMIT 1`,
        [Math.floor(contacts / 2)],
      )
    )[0] as { score: number; contact_id: string };
    const cases: Array<{ name: string; run: () => Promise<unknown> }> = [
      { name: 'first page (50)', run: () => repository.leaderboard(manager, 'bench', { limit: 50 }) },
      {
        name: 'page from a cursor half way (50)',
        run: () => repository.leaderboard(manager, 'bench', { limit: 50, after: { score: middle.score, contactId: middle.contact_id } }),
      },
      { name: 'first page of stage warm (50)', run: () => repository.leaderboard(manager, 'bench', { limit: 50, stage: 'warm' }) },
    ];
    let failed = false;
    print(`seeded ${contacts.toLocaleString('en')} score rows in each of 2 workspaces in ${seedS.toFixed(1)} s`);
    for (const c of cases) {
      for (let i = 0; i < 5; i += 1) await c.run();
      const times: number[] = [];
      for (let i = 0; i < RUNS; i += 1) {
        const start = performance.now();
        await c.run();
        times.push(performance.now() - start);
      }
      times.sort((a, b) => a - b);
      const median = percentile(times, 50);
      if (median > TARGET_MS) failed = true;
      print(`${c.name}: median ${median.toFixed(2)} ms, p95 ${percentile(times, 95).toFixed(2)} ms over ${RUNS} runs`);
    }
    // The statement the repository sends, explained with the same shape of parameters.
    const plan = await database.db.query<{ 'QUERY PLAN': string }>(
      `EXPLAIN (ANALYZE, BUFFERS) SELECT s."contact_id", s."score", s."stage" FROM scoring.contact_scores s
       WHERE s."workspace_id" = $1 AND s."state" = 'active' AND s."score" <= $3::integer AND (s."score" < $3::integer OR s."contact_id" > $4::uuid)
         AND NOT EXISTS (SELECT 1 FROM scoring.contact_deletions d WHERE d."workspace_id" = s."workspace_id" AND d."contact_id" = s."contact_id" AND d."deleted")
       ORDER BY s."score" DESC, s."contact_id" LIMIT $2`,
      ['bench', 51, middle.score, middle.contact_id],
    );
    const text = plan.map((row) => row['QUERY PLAN']).join('\n');
    print(text);
    if (!/Index (Only )?Scan using contact_scores_leaderboard_idx/.test(text)) {
      print('FAIL: the plan does not walk contact_scores_leaderboard_idx');
      failed = true;
    }
    print(failed ? `FAIL (target: median under ${TARGET_MS} ms)` : `PASS (target: median under ${TARGET_MS} ms)`);
    process.exitCode = failed ? 1 : 0;
  } finally {
    await database.close();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${String(error instanceof Error ? error.stack : error)}\n`);
  process.exitCode = 1;
});
