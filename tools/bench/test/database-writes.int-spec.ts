/**
 * The bench's database write counts against a real PostgreSQL: an app's role writes to its own
 * schema, closes its connection, and the counts read afterwards are exactly its writes, heap-only
 * updates told apart from those that entered the indexes.
 */
import { Client, Pool } from 'pg';
import { createTestDatabase, type TestDatabase } from '@leadflow/testing';
import { readDatabaseWrites, untilConnectionsGone, writesBetween } from '../database-writes';

let database: TestDatabase;
let db: Pool;

/** A connection as `schema`'s own role (created with the schema), and that role's name. */
async function connectAs(schema: string): Promise<{ client: Client; role: string }> {
  const url = await database.appUrl(schema);
  const client = new Client({ connectionString: url });
  await client.connect();
  return { client, role: decodeURIComponent(new URL(url).username) };
}

beforeAll(async () => {
  database = await createTestDatabase('benchwrites');
  db = new Pool({ connectionString: database.url, max: 1 });
});

afterAll(async () => {
  await db?.end();
  await database?.drop();
});

it('counts the rows a closed connection wrote, per table of the schemas asked for, and the WAL it made', async () => {
  const { client: writer, role } = await connectAs('counted');
  await writer.query(`CREATE TABLE "counted"."items" ("id" int PRIMARY KEY, "label" text NOT NULL, "note" text)`);
  await writer.query(`CREATE INDEX "items_label_idx" ON "counted"."items" ("label")`);
  await writer.query(`CREATE TABLE "counted"."untouched" ("id" int PRIMARY KEY)`);
  const before = await readDatabaseWrites(db, ['counted']);

  await writer.query(`INSERT INTO "counted"."items" SELECT n, 'label ' || n FROM generate_series(1, 10) AS n`);
  // Only the unindexed column, with room on the page: heap-only.
  await writer.query(`UPDATE "counted"."items" SET "note" = 'seen' WHERE "id" <= 4`);
  // The indexed column: every index gets an entry.
  await writer.query(`UPDATE "counted"."items" SET "label" = 'moved' WHERE "id" IN (5, 6)`);
  await writer.query(`DELETE FROM "counted"."items" WHERE "id" >= 8`);
  await writer.end();
  await untilConnectionsGone(db, database.name, [role]);

  const writes = writesBetween(before, await readDatabaseWrites(db, ['counted']));

  expect(writes.tables).toEqual([{ table: 'counted.items', inserted: 10, updated: 6, hotUpdated: 4, deleted: 3, indexes: 2 }]);
  expect(writes.walRecords).toBeGreaterThanOrEqual(10 + 6 + 3);
  expect(writes.walBytes).toBeGreaterThan(0);
});

it('leaves out the schemas not asked for', async () => {
  const { client: writer, role } = await connectAs('elsewhere');
  await writer.query(`CREATE TABLE "elsewhere"."items" ("id" int PRIMARY KEY)`);
  await writer.query(`INSERT INTO "elsewhere"."items" SELECT generate_series(1, 5)`);
  await writer.end();
  await untilConnectionsGone(db, database.name, [role]);

  const tables = (await readDatabaseWrites(db, ['counted'])).tables.map((t) => t.table);
  expect(tables).not.toContain('elsewhere.items');
  expect((await readDatabaseWrites(db, ['elsewhere'])).tables).toEqual([
    { table: 'elsewhere.items', inserted: 5, updated: 0, hotUpdated: 0, deleted: 0, indexes: 1 },
  ]);
});

it('waits until the roles’ connections are gone, and says so when one stays', async () => {
  const { client: lingering, role } = await connectAs('lingering');
  await expect(untilConnectionsGone(db, database.name, [role], 300)).rejects.toThrow(
    `1 connections to ${database.name} still open after 300 ms`,
  );
  await lingering.end();
  await untilConnectionsGone(db, database.name, [role]);
});
