import type { ServiceName } from '@leadflow/contracts';
import { openSchemaDataSource, schemaDataSourceOptions, type SchemaDatabaseOptions } from '@leadflow/database';
import type { DataSource } from 'typeorm';
import { createTestDatabase, type TestDatabase } from './test-database';

export interface ServiceDatabase {
  db: TestDatabase;
  /** Signed in as the app's own role, its schema migrated: what the app's repositories run on. */
  dataSource: DataSource;
  close(): Promise<void>;
}

/**
 * A fresh database with one app's schema migrated, for testing that app's services in-process
 * against a real PostgreSQL (no NATS, no app process): the tier between unit and integration tests.
 */
export async function openServiceDatabase(service: ServiceName, migrations: SchemaDatabaseOptions['migrations']): Promise<ServiceDatabase> {
  const db = await createTestDatabase(`${service}svc`);
  try {
    const dataSource = await openSchemaDataSource(
      schemaDataSourceOptions({
        url: await db.appUrl(service),
        schema: service,
        poolSize: 4,
        applicationName: `test-${service}`,
        migrations,
      }),
    );
    return {
      db,
      dataSource,
      close: async () => {
        await dataSource.destroy().catch(() => undefined);
        await db.drop();
      },
    };
  } catch (error) {
    await db.drop();
    throw error;
  }
}
