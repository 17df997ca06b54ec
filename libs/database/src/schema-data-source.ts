import { DataSource, type DataSourceOptions, type MixedList } from 'typeorm';
import type { PostgresConnectionOptions } from 'typeorm/driver/postgres/PostgresConnectionOptions';
import { useCompactArrayParameters } from './array-parameters';

export interface SchemaDatabaseOptions {
  url: string;
  /** The app's own schema: the only one it reads or writes. */
  schema: string;
  poolSize: number;
  /** Shown in pg_stat_activity. */
  applicationName: string;
  // TypeORM's own list type: migration classes and entity classes.
  // eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
  migrations: MixedList<Function>;
  // eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
  entities?: MixedList<Function>;
}

const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

export function schemaDataSourceOptions(options: SchemaDatabaseOptions): PostgresConnectionOptions {
  if (!SCHEMA_NAME.test(options.schema)) throw new Error(`invalid schema name: ${options.schema}`);
  return {
    type: 'postgres',
    url: options.url,
    schema: options.schema,
    migrationsTableName: `${options.schema}_migrations`,
    migrations: options.migrations,
    entities: options.entities ?? [],
    migrationsRun: false,
    synchronize: false,
    installExtensions: false,
    applicationName: options.applicationName,
    // Connections fail fast so that readiness reports an outage instead of hanging.
    connectTimeoutMS: 5000,
    extra: { max: options.poolSize, idleTimeoutMillis: 30000 },
  };
}

/** Schema-qualified, quoted table name for raw SQL in the data source's own schema. */
export function qualifiedTable(dataSource: DataSource, table: string): string {
  const schema = (dataSource.options as PostgresConnectionOptions).schema ?? 'public';
  return `"${schema}"."${table}"`;
}

/**
 * Creates the schema when missing (TypeORM would otherwise try to create its migrations table in a
 * schema that does not exist yet) and runs pending migrations under an advisory lock, so that replicas
 * starting together migrate once.
 */
export async function migrateSchema(dataSource: DataSource): Promise<string[]> {
  const schema = (dataSource.options as PostgresConnectionOptions).schema;
  if (!schema) throw new Error('the data source has no schema');
  const lockRunner = dataSource.createQueryRunner();
  await lockRunner.connect();
  try {
    await lockRunner.query(`SELECT pg_advisory_lock(hashtext($1))`, [`leadflow:migrate:${schema}`]);
    // A role that owns its schema but may not create schemas (see the per-app database roles)
    // is refused even `CREATE SCHEMA IF NOT EXISTS`: create it only when it is missing.
    const [existing] = (await lockRunner.query(`SELECT 1 FROM pg_namespace WHERE nspname = $1`, [schema])) as unknown[];
    if (!existing) await lockRunner.query(`CREATE SCHEMA "${schema}"`);
    const applied = await dataSource.runMigrations({ transaction: 'each' });
    return applied.map((migration) => migration.name);
  } finally {
    await lockRunner.query(`SELECT pg_advisory_unlock(hashtext($1))`, [`leadflow:migrate:${schema}`]).catch(() => undefined);
    await lockRunner.release();
  }
}

export async function openSchemaDataSource(options: DataSourceOptions): Promise<DataSource> {
  useCompactArrayParameters();
  const dataSource = new DataSource(options);
  await dataSource.initialize();
  try {
    await migrateSchema(dataSource);
  } catch (error) {
    await dataSource.destroy().catch(() => undefined);
    throw error;
  }
  return dataSource;
}
