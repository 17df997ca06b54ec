import { appRoleName, dropDatabase, dropRoles, ensureDatabase, provisionAppRoles, urlAsRole } from '@leadflow/dev-services';
import { createHash, randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { testDatabaseUrl, testRunId } from './test-run';

export interface TestDatabase {
  name: string;
  url: string;
  /** As the superuser: for tests that inspect any schema. */
  query<T = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<T[]>;
  /**
   * A URL signing in as `service`'s own role, created now, which owns schema `service` and nothing
   * else, as in a deployment. Roles are named `lf_<run>_…` and dropped with the database.
   */
  appUrl(service: string): Promise<string>;
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
  const rolePrefix = `lf_${testRunId()}_r${createHash('sha256').update(name).digest('hex').slice(0, 8)}`;
  const roles = new Map<string, string>();
  return {
    name,
    url,
    query: async <T>(sql: string, params?: unknown[]) => (await client.query(sql, params)).rows as T[],
    appUrl: async (service) => {
      const role = appRoleName(rolePrefix, service);
      let password = roles.get(role);
      if (password === undefined) {
        password = randomBytes(12).toString('hex');
        await provisionAppRoles(testDatabaseUrl(), name, [{ role, schema: service, password: { literal: password } }]);
        roles.set(role, password);
      }
      return urlAsRole(url, role, password);
    },
    drop: async () => {
      await client.end().catch(() => undefined);
      await dropDatabase(testDatabaseUrl(), name);
      await dropRoles(testDatabaseUrl(), [...roles.keys()]);
    },
  };
}
