import { createTestDatabase, type TestDatabase } from '@leadflow/testing';
import { messagingTablesV1, messagingTablesV2, messagingTablesV3, messagingTablesV4 } from '../src';

describe('messaging tables', () => {
  let db: TestDatabase;

  const outboxIndexes = async (schema: string) =>
    db.query<{ indexname: string; indexdef: string }>(
      `SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = $1 AND tablename = 'outbox' ORDER BY indexname`,
      [schema],
    );
  const run = async (statements: string[]) => {
    for (const statement of statements) await db.query(statement);
  };

  beforeAll(async () => {
    db = await createTestDatabase('messaging_tables');
  });

  afterAll(async () => {
    await db?.drop();
  });

  it('keys the outbox by seq alone from version 3 on, and goes back to its two indexes on the way down', async () => {
    await db.query(`CREATE SCHEMA "tables_v3"`);
    await run([...messagingTablesV1('tables_v3').up, ...messagingTablesV2('tables_v3').up]);
    await db.query(`INSERT INTO "tables_v3"."outbox" ("id", "type", "envelope") VALUES (gen_random_uuid(), 'lead.ingested', '{}')`);
    expect((await outboxIndexes('tables_v3')).map((index) => index.indexname)).toEqual(['outbox_pending_idx', 'outbox_pkey']);

    await run(messagingTablesV3('tables_v3').up);
    const indexes = await outboxIndexes('tables_v3');
    expect(indexes).toHaveLength(1);
    expect(indexes[0]?.indexdef).toMatch(/UNIQUE INDEX outbox_pkey ON tables_v3\.outbox USING btree \(seq\)/);
    // A row written before the change is still there and still pending.
    expect(await db.query(`SELECT "type" FROM "tables_v3"."outbox" WHERE "published_at" IS NULL`)).toEqual([{ type: 'lead.ingested' }]);

    await run(messagingTablesV3('tables_v3').down);
    const restored = await outboxIndexes('tables_v3');
    expect(restored.map((index) => index.indexname)).toEqual(['outbox_pending_idx', 'outbox_pkey']);
    expect(restored.find((index) => index.indexname === 'outbox_pkey')?.indexdef).toMatch(/\(id\)/);
  });

  it('keeps envelopes as JSON text with the workspace in a column from version 4 on, and a row written before as it was', async () => {
    const columns = async () =>
      db.query<{ column_name: string; data_type: string }>(
        `SELECT column_name, data_type FROM information_schema.columns
         WHERE table_schema = 'tables_v4' AND table_name = 'outbox' AND column_name IN ('envelope', 'workspace_id') ORDER BY column_name`,
      );
    await db.query(`CREATE SCHEMA "tables_v4"`);
    await run([...messagingTablesV1('tables_v4').up, ...messagingTablesV2('tables_v4').up, ...messagingTablesV3('tables_v4').up]);
    await db.query(
      `INSERT INTO "tables_v4"."outbox" ("id", "type", "envelope") VALUES (gen_random_uuid(), 'lead.ingested', '{"workspaceId":"before","data":{}}')`,
    );

    await run(messagingTablesV4('tables_v4').up);
    expect(await columns()).toEqual([
      { column_name: 'envelope', data_type: 'json' },
      { column_name: 'workspace_id', data_type: 'text' },
    ]);
    const text = '{"workspaceId":"after",  "data":{"b":1,"a":2}}';
    await db.query(
      `INSERT INTO "tables_v4"."outbox" ("id", "type", "workspace_id", "envelope") VALUES (gen_random_uuid(), 'lead.ingested', 'after', $1)`,
      [text],
    );
    // The text comes back as written (jsonb would have reordered the keys and dropped the spaces).
    expect(await db.query(`SELECT "workspace_id", "envelope"::text AS "envelope" FROM "tables_v4"."outbox" ORDER BY "seq"`)).toEqual([
      { workspace_id: null, envelope: '{"data": {}, "workspaceId": "before"}' },
      { workspace_id: 'after', envelope: text },
    ]);

    await run(messagingTablesV4('tables_v4').down);
    expect(await columns()).toEqual([{ column_name: 'envelope', data_type: 'jsonb' }]);
    expect(await db.query(`SELECT "envelope"->>'workspaceId' AS "workspace" FROM "tables_v4"."outbox" ORDER BY "seq"`)).toEqual([
      { workspace: 'before' },
      { workspace: 'after' },
    ]);
  });
});
