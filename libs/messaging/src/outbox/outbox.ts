import type { EventData, EventEnvelope, EventType } from '@leadflow/contracts';
import { qualifiedTable } from '@leadflow/database';
import { currentRequestId } from '@leadflow/logging';
import { WakeAfterCommit } from '@leadflow/jobs';
import type { DataSource, EntityManager } from 'typeorm';
import { v7 as uuidv7 } from 'uuid';

interface NewEventOf<T extends EventType> {
  type: T;
  workspaceId: string;
  /** Checked against the type's class on receipt; the type here keeps a producer from sending another shape. */
  data: EventData<T>;
  version?: number;
  /** The request that caused the event; defaults to the current request id. */
  correlationId?: string;
}

/** An event to write to the outbox; `NewEvent` alone is any event type, each with its own data. */
export type NewEvent<T extends EventType = EventType> = T extends EventType ? NewEventOf<T> : never;

const OUTBOX_WRITTEN = 'leadflow.outboxWritten';

/**
 * Writes domain events to the app's `outbox` table inside the caller's transaction: the event
 * exists exactly when the change that caused it commits. The relay publishes it afterwards, woken
 * by the commit (`OutboxCommitSubscriber`). The one way an app publishes an event.
 */
export class Outbox {
  constructor(
    private readonly dataSource: DataSource,
    private readonly producer: string,
  ) {}

  async add<T extends EventType>(manager: EntityManager, event: NewEvent<T>): Promise<EventEnvelope<EventData<T>>> {
    const [envelope] = await this.addMany<T>(manager, [event]);
    return envelope as EventEnvelope<EventData<T>>;
  }

  private envelopes<T extends EventType>(events: ReadonlyArray<NewEvent<T>>): Array<EventEnvelope<EventData<T>>> {
    const occurredAt = new Date().toISOString();
    return events.map((event): EventEnvelope<EventData<T>> => {
      const id = uuidv7();
      return {
        id,
        type: event.type,
        version: event.version ?? 1,
        workspaceId: event.workspaceId,
        occurredAt,
        producer: this.producer,
        correlationId: event.correlationId ?? currentRequestId() ?? id,
        data: event.data as EventData<T>,
      };
    });
  }

  /** Writes several events with one statement, in order. */
  async addMany<T extends EventType>(
    manager: EntityManager,
    events: ReadonlyArray<NewEvent<T>>,
  ): Promise<Array<EventEnvelope<EventData<T>>>> {
    const queryRunner = manager.queryRunner;
    if (!queryRunner?.isTransactionActive) {
      throw new Error('Outbox.add must run inside a database transaction');
    }
    if (events.length === 0) return [];
    const envelopes = this.envelopes(events);
    await manager.query(
      `INSERT INTO ${qualifiedTable(this.dataSource, 'outbox')} ("id", "type", "envelope")
       SELECT "id", "type", "envelope" FROM unnest($1::uuid[], $2::text[], $3::jsonb[]) WITH ORDINALITY AS e("id", "type", "envelope", "ord")
       ORDER BY "ord"`,
      [envelopes.map((e) => e.id), envelopes.map((e) => e.type), envelopes.map((e) => JSON.stringify(e))],
    );
    WakeAfterCommit.mark(manager, OUTBOX_WRITTEN);
    return envelopes;
  }
}

/** Wakes the relay as soon as a transaction that wrote to the outbox commits. */
export class OutboxCommitSubscriber extends WakeAfterCommit {
  constructor(wake: () => void) {
    super(OUTBOX_WRITTEN, wake);
  }
}
