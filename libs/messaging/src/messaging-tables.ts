/**
 * DDL of the messaging tables every app owns in its schema. Versioned and frozen: migrations call
 * a version, and a change to these tables is a new version, never an edit.
 */
export function messagingTablesV1(schema: string): { up: string[]; down: string[] } {
  const s = `"${schema}"`;
  return {
    up: [
      `CREATE TABLE ${s}."outbox" (
        "id" uuid PRIMARY KEY,
        "seq" bigserial NOT NULL,
        "type" text NOT NULL,
        "envelope" jsonb NOT NULL,
        "created_at" timestamptz NOT NULL DEFAULT now(),
        "published_at" timestamptz,
        "attempts" integer NOT NULL DEFAULT 0,
        "last_error" text
      )`,
      `CREATE INDEX "outbox_pending_idx" ON ${s}."outbox" ("seq") WHERE "published_at" IS NULL`,
      `CREATE TABLE ${s}."inbox" (
        "consumer" text NOT NULL,
        "event_id" uuid NOT NULL,
        "event_type" text NOT NULL,
        "processed_at" timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY ("consumer", "event_id")
      )`,
      `CREATE TABLE ${s}."dead_letters" (
        "id" uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        "consumer" text NOT NULL,
        "stream" text NOT NULL,
        "subject" text NOT NULL,
        "event_id" uuid,
        "payload" text NOT NULL,
        "error" text NOT NULL,
        "deliveries" integer NOT NULL,
        "created_at" timestamptz NOT NULL DEFAULT now()
      )`,
    ],
    down: [`DROP TABLE ${s}."dead_letters"`, `DROP TABLE ${s}."inbox"`, `DROP TABLE ${s}."outbox"`],
  };
}

/**
 * The outbox relay claims rows with a lease instead of holding their locks in an open
 * transaction: a claim is one statement and a publish is marked with another.
 */
export function messagingTablesV2(schema: string): { up: string[]; down: string[] } {
  const s = `"${schema}"`;
  return {
    up: [`ALTER TABLE ${s}."outbox" ADD COLUMN "claimed_until" timestamptz`],
    down: [`ALTER TABLE ${s}."outbox" DROP COLUMN "claimed_until"`],
  };
}

/**
 * The outbox keyed by `seq` alone: one index where there were two. The relay takes and deletes rows
 * by `seq`, oldest first, and a row lives only while it is pending, so the index on `seq` serves
 * both; the event id stays in its column and in the envelope, and nothing looks a row up by it.
 * Each event written then costs one index entry (and its WAL) instead of two.
 */
export function messagingTablesV3(schema: string): { up: string[]; down: string[] } {
  const s = `"${schema}"`;
  return {
    up: [
      `ALTER TABLE ${s}."outbox" DROP CONSTRAINT "outbox_pkey"`,
      `ALTER TABLE ${s}."outbox" ADD CONSTRAINT "outbox_pkey" PRIMARY KEY ("seq")`,
      `DROP INDEX ${s}."outbox_pending_idx"`,
    ],
    down: [
      `CREATE INDEX "outbox_pending_idx" ON ${s}."outbox" ("seq") WHERE "published_at" IS NULL`,
      `ALTER TABLE ${s}."outbox" DROP CONSTRAINT "outbox_pkey"`,
      `ALTER TABLE ${s}."outbox" ADD CONSTRAINT "outbox_pkey" PRIMARY KEY ("id")`,
    ],
  };
}

/**
 * The outbox keeps each envelope as the JSON text it was written as (`json`, not `jsonb`), and its
 * workspace in a column of its own. The relay publishes the text as it is and reads only the
 * workspace, so PostgreSQL's conversion into `jsonb` when a row is written and back into text when
 * the relay takes it bought nothing: for 1,000 envelopes of about 870 bytes it took 23–31 ms to
 * write and 6.5–9 ms to take against 11–18 and 3.5–4.8 ms as `json` (five runs each). Rows
 * written before the change keep a null workspace column; the relay reads theirs from the envelope.
 */
export function messagingTablesV4(schema: string): { up: string[]; down: string[] } {
  const s = `"${schema}"`;
  return {
    up: [
      `ALTER TABLE ${s}."outbox" ALTER COLUMN "envelope" TYPE json USING "envelope"::json`,
      `ALTER TABLE ${s}."outbox" ADD COLUMN "workspace_id" text`,
    ],
    down: [
      `ALTER TABLE ${s}."outbox" DROP COLUMN "workspace_id"`,
      `ALTER TABLE ${s}."outbox" ALTER COLUMN "envelope" TYPE jsonb USING "envelope"::jsonb`,
    ],
  };
}

/**
 * The outbox packs events: a row holds the events of one type and one workspace that one statement
 * wrote, in order, as their envelopes' JSON texts joined by commas (`envelopes`, a JSON array
 * without its brackets, so that the relay joins rows into a message body as they are), with how
 * many they are (`count`) and the first event's id as the row's. One row and one index entry per
 * statement and type instead of one per event: in the lead bench's consuming apps a batch writes
 * hundreds of events of one type. The text is compressed with lz4 where PostgreSQL has it (a packed
 * row is mostly stored out of line, and pglz costs more CPU than the row saves). The
 * `outbox_events` view unpacks the rows into one envelope each (`seq`, then `ord` within the row),
 * for tests and operators. Rows written before keep their one event (`count` 1).
 */
export function messagingTablesV5(schema: string): { up: string[]; down: string[] } {
  const s = `"${schema}"`;
  return {
    up: [
      `ALTER TABLE ${s}."outbox" ALTER COLUMN "envelope" TYPE text USING "envelope"::text`,
      `ALTER TABLE ${s}."outbox" RENAME COLUMN "envelope" TO "envelopes"`,
      `ALTER TABLE ${s}."outbox" ADD COLUMN "count" integer NOT NULL DEFAULT 1 CHECK ("count" > 0)`,
      `DO $$ BEGIN
         ALTER TABLE ${s}."outbox" ALTER COLUMN "envelopes" SET COMPRESSION lz4;
       EXCEPTION WHEN feature_not_supported THEN NULL;
       END $$`,
      `CREATE VIEW ${s}."outbox_events" AS
         SELECT o."seq", e."ord", o."type", o."workspace_id", e."envelope"
         FROM ${s}."outbox" o
         CROSS JOIN LATERAL json_array_elements(('[' || o."envelopes" || ']')::json) WITH ORDINALITY AS e("envelope", "ord")`,
    ],
    down: [
      `DROP VIEW ${s}."outbox_events"`,
      // Each packed event back into a row of its own, in order, after the rows of one event.
      `INSERT INTO ${s}."outbox" ("id", "type", "workspace_id", "envelopes")
         SELECT (e."envelope"->>'id')::uuid, o."type", o."workspace_id", e."envelope"::text
         FROM ${s}."outbox" o
         CROSS JOIN LATERAL json_array_elements(('[' || o."envelopes" || ']')::json) WITH ORDINALITY AS e("envelope", "ord")
         WHERE o."count" > 1 ORDER BY o."seq", e."ord"`,
      `DELETE FROM ${s}."outbox" WHERE "count" > 1`,
      `ALTER TABLE ${s}."outbox" DROP COLUMN "count"`,
      `ALTER TABLE ${s}."outbox" RENAME COLUMN "envelopes" TO "envelope"`,
      `ALTER TABLE ${s}."outbox" ALTER COLUMN "envelope" TYPE json USING "envelope"::json`,
    ],
  };
}
