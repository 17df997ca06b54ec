import type { EventEnvelope } from '@leadflow/contracts';
import { qualifiedTable, queryPrepared } from '@leadflow/database';
import type { DataSource, EntityManager } from 'typeorm';

/** A dead letter to keep: the whole message that could not be read, or one event of it. */
export interface DeadLetter {
  consumer: string;
  stream: string;
  subject: string;
  eventId: string | null;
  payload: string;
  error: string;
  deliveries: number;
}

/** All SQL of the `inbox` and `dead_letters` tables: which events a consumer applied, and what it gave up on. */
export class InboxRepository {
  constructor(private readonly dataSource: DataSource) {}

  /**
   * Records these events as applied by `consumer`, in the caller's transaction, with one statement;
   * returns the ids seen for the first time (the others were applied before).
   */
  async record(manager: EntityManager, consumer: string, events: ReadonlyArray<EventEnvelope<object>>): Promise<Set<string>> {
    const recorded = await queryPrepared<{ event_id: string }>(
      manager,
      `INSERT INTO ${qualifiedTable(this.dataSource, 'inbox')} ("consumer", "event_id", "event_type")
       SELECT $1, "event_id", "event_type" FROM unnest($2::uuid[], $3::text[]) AS e("event_id", "event_type")
       ON CONFLICT DO NOTHING RETURNING "event_id"`,
      [consumer, events.map((event) => event.id), events.map((event) => event.type)],
    );
    return new Set(recorded.map((row) => row.event_id));
  }

  async addDeadLetter(letter: DeadLetter): Promise<void> {
    await this.dataSource.query(
      `INSERT INTO ${qualifiedTable(this.dataSource, 'dead_letters')} ("consumer", "stream", "subject", "event_id", "payload", "error", "deliveries")
       VALUES ($1, $2, $3, $4, $5, $6, $7)`,
      [letter.consumer, letter.stream, letter.subject, letter.eventId, letter.payload, letter.error, letter.deliveries],
    );
  }
}

/**
 * Redacts the dead letters that mention any of `needles` (ids of an erased person's leads and
 * contacts): their payload and error may hold personal data. The row stays, with its event id.
 * Returns how many were redacted.
 */
export async function redactDeadLetters(manager: EntityManager, dataSource: DataSource, needles: readonly string[]): Promise<number> {
  if (needles.length === 0) return 0;
  const [, count] = (await manager.query(
    `UPDATE ${qualifiedTable(dataSource, 'dead_letters')} SET "payload" = '"redacted"', "error" = 'redacted (erasure)'
     WHERE "payload" <> '"redacted"' AND "payload" ILIKE ANY (SELECT '%' || n || '%' FROM unnest($1::text[]) AS n)`,
    [needles],
  )) as [unknown, number];
  return count;
}
