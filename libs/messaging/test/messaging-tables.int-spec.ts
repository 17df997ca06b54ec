import { createTestDatabase, type TestDatabase } from '@leadflow/testing';
import { messagingTablesV1, messagingTablesV2, messagingTablesV3, messagingTablesV4, messagingTablesV5 } from '../src';

const ids = ['0190f1a2-7b3c-7def-8123-000000000001', '0190f1a2-7b3c-7def-8123-000000000002', '0190f1a2-7b3c-7def-8123-000000000003'];

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

  it('packs events into rows from version 5 on, unpacks them in outbox_events, and back into rows of one on the way down', async () => {
    const schema = '"tables_v5"';
    await db.query(`CREATE SCHEMA ${schema}`);
    await run([messagingTablesV1, messagingTablesV2, messagingTablesV3, messagingTablesV4].flatMap((version) => version('tables_v5').up));
    await db.query(
      `INSERT INTO ${schema}."outbox" ("id", "type", "workspace_id", "envelope") VALUES ($1, 'lead.ingested', 'w', '{"id":"${ids[0]}","n":0}')`,
      [ids[0]],
    );

    await run(messagingTablesV5('tables_v5').up);
    const packed = `{"id":"${ids[1]}","n":1},{"id":"${ids[2]}","n":2}`;
    await db.query(
      `INSERT INTO ${schema}."outbox" ("id", "type", "workspace_id", "count", "envelopes") VALUES ($1, 'lead.ingested', 'w', 2, $2)`,
      [ids[1], packed],
    );
    expect(await db.query(`SELECT "count", "envelopes" FROM ${schema}."outbox" ORDER BY "seq"`)).toEqual([
      { count: 1, envelopes: `{"id":"${ids[0]}","n":0}` },
      { count: 2, envelopes: packed },
    ]);
    expect(
      await db.query(
        `SELECT "seq"::int AS "seq", "ord"::int AS "ord", "envelope"->>'n' AS "n" FROM ${schema}."outbox_events" ORDER BY "seq", "ord"`,
      ),
    ).toEqual([
      { seq: 1, ord: 1, n: '0' },
      { seq: 2, ord: 1, n: '1' },
      { seq: 2, ord: 2, n: '2' },
    ]);

    await run(messagingTablesV5('tables_v5').down);
    expect(await db.query(`SELECT "id"::text AS "id", "envelope"->>'n' AS "n" FROM ${schema}."outbox" ORDER BY "seq"`)).toEqual([
      { id: ids[0], n: '0' },
      { id: ids[1], n: '1' },
      { id: ids[2], n: '2' },
    ]);
  });
});
