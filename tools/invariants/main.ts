/**
 * `npm run check:invariants [-- --drained]`: checks the platform's data invariants in the database
 * of DATABASE_URL (as a user that may read every app's schema) and exits 1 when one is broken.
 * `--drained` adds those that hold only once every event has been applied.
 */
import { applicableInvariantChecks, findInvariantViolations, INVARIANT_CHECKS } from '@leadflow/dev-services';
import { Client } from 'pg';

const DEFAULT_DATABASE_URL = 'postgres://postgres@127.0.0.1:5432/leadflow';

async function main(): Promise<number> {
  const drained = process.argv.includes('--drained');
  const client = new Client({ connectionString: process.env.DATABASE_URL || DEFAULT_DATABASE_URL });
  await client.connect();
  try {
    const db = { query: async <T>(sql: string, params?: unknown[]) => (await client.query(sql, params)).rows as T[] };
    const violations = await findInvariantViolations(db, { drained });
    const applicable = (await applicableInvariantChecks(db, { drained })).length;
    const skipped = INVARIANT_CHECKS.filter((check) => drained || check.when === 'always').length - applicable;
    for (const violation of violations) {
      process.stdout.write(`BROKEN ${violation.name}: ${violation.count} rows, e.g. ${JSON.stringify(violation.examples)}\n`);
    }
    process.stdout.write(
      `invariants: ${applicable - violations.length} hold, ${violations.length} broken` +
        (skipped > 0 ? `, ${skipped} not checked (their schemas are not in this database)` : '') +
        '\n',
    );
    return violations.length === 0 ? 0 : 1;
  } finally {
    await client.end();
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`check:invariants failed: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(2);
  },
);
