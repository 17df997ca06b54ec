import type { EventData, EventEnvelope, EventType } from '@leadflow/contracts';
import { currentRequestId } from '@leadflow/logging';
import { WakeAfterCommit } from '@leadflow/jobs';
import type { DataSource, EntityManager } from 'typeorm';
import { v7 as uuidv7 } from 'uuid';
import { type CausingStatement, OutboxRepository } from './outbox.repository';

interface NewEventOf<T extends EventType> {
  type: T;
  workspaceId: string;
  /** Checked against the type's class on receipt; the type here keeps a producer from sending another shape. */
  data: EventData<T>;
  version?: number;
  /** The event's id, for a producer that must know it first (another event names it); a new UUIDv7 by default. */
  id?: string;
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
  private readonly repository: OutboxRepository;

  constructor(
    dataSource: DataSource,
    private readonly producer: string,
    /** Wakes the relay after an event written outside a transaction (see `addManyWith`). */
    private readonly wakeRelay: () => void = () => undefined,
  ) {
    this.repository = new OutboxRepository(dataSource);
  }

  async add<T extends EventType>(manager: EntityManager, event: NewEvent<T>): Promise<EventEnvelope<EventData<T>>> {
    const [envelope] = await this.addMany<T>(manager, [event]);
    return envelope as EventEnvelope<EventData<T>>;
  }

  private envelopes<T extends EventType>(events: ReadonlyArray<NewEvent<T>>): Array<EventEnvelope<EventData<T>>> {
    const occurredAt = new Date().toISOString();
    return events.map((event): EventEnvelope<EventData<T>> => {
      const id = event.id ?? uuidv7();
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
    if (!manager.queryRunner?.isTransactionActive) {
      throw new Error('Outbox.add must run inside a database transaction');
    }
    if (events.length === 0) return [];
    const envelopes = this.envelopes(events);
    await this.repository.insert(
      manager,
      envelopes.map((envelope) => ({ envelope })),
    );
    WakeAfterCommit.mark(manager, OUTBOX_WRITTEN);
    return envelopes;
  }

  /**
   * Runs the caller's statement and writes, in that same statement, the events of the rows it
   * wrote: each event comes with the key of the row that causes it, and is written only when the
   * statement returns that key. Returns the keys written. One statement is atomic on its own, so a
   * hot path that writes rows and their events needs no transaction around them (intake's group
   * commit: the raw rows, the leads and their `lead.ingested` events, for the leads not stored before).
   */
  async addManyWith(
    manager: EntityManager,
    statement: CausingStatement,
    events: ReadonlyArray<{ key: string; event: NewEvent }>,
  ): Promise<Set<string>> {
    const envelopes = this.envelopes(events.map(({ event }) => event));
    const written = await this.repository.insertWith(
      manager,
      statement,
      envelopes.map((envelope, i) => ({ envelope, key: events[i]?.key })),
    );
    if (written.length > 0) WakeAfterCommit.markOrWake(manager, OUTBOX_WRITTEN, this.wakeRelay);
    return new Set(written);
  }
}

/** Wakes the relay as soon as a transaction that wrote to the outbox commits. */
export class OutboxCommitSubscriber extends WakeAfterCommit {
  constructor(wake: () => void) {
    super(OUTBOX_WRITTEN, wake);
  }
}
