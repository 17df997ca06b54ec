import { dropDatabase, ensureDatabase } from '@leadflow/dev-services';
import { Client } from 'pg';
import { testDatabaseUrl, testRunId } from './test-run';

export interface TestDatabase {
  name: string;
  url: string;
  query<T = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<T[]>;
  drop(): Promise<void>;
}

let counter = 0;

/** A fresh database for one test file: `lf_<run>_<label>_<pid>_<n>`, dropped by `drop()`. */
export async function createTestDatabase(label: string): Promise<TestDatabase> {
  counter += 1;
  const name = `lf_${testRunId()}_${label.replace(/[^a-z0-9]/g, '')}_${process.pid}_${counter}`.slice(0, 63);
  const url = await ensureDatabase(testDatabaseUrl(), name);
  const client = new Client({ connectionString: url });
  await client.connect();
  return {
    name,
    url,
    query: async <T>(sql: string, params?: unknown[]) => (await client.query(sql, params)).rows as T[],
    drop: async () => {
      await client.end().catch(() => undefined);
      await dropDatabase(testDatabaseUrl(), name);
    },
  };
}
