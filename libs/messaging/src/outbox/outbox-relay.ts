import { ClaimLoop } from '@leadflow/jobs';
import type { Logger } from 'pino';
import { headers, type JetStreamClient, type MsgHdrs } from 'nats';
import type { DataSource, QueryRunner } from 'typeorm';
import type { NatsNamespace } from '@leadflow/contracts';
import { messageId, WORKSPACES_HEADER, workspacesHeader } from '../jetstream/message-headers';
import { MAX_MESSAGE_BYTES, OutboxRepository, type PendingOutboxRow } from './outbox.repository';

export interface OutboxRelayOptions {
  pollIntervalMs: number;
  /** Least time between the starts of two batches (default 0; see `ClaimLoopOptions.minPassIntervalMs`). */
  minBatchIntervalMs?: number;
  /** Most events taken by one statement (default 1000; whole rows, so the last row taken may pass it). */
  batchSize?: number;
  publishTimeoutMs?: number;
  /** Largest message body, in bytes (default `MAX_MESSAGE_BYTES`, 48 KiB, as large as a row packs); a single larger row travels alone. */
  maxMessageBytes?: number;
}

/** Outbox rows of one type (their events), taken together, that travel as one JetStream message. */
export interface OutgoingMessage {
  type: string;
  rows: PendingOutboxRow[];
}

/** Rows published between two vacuums of the outbox (see `OutboxRepository.vacuum`). */
const VACUUM_EVERY_ROWS = 5000;

/**
 * Publishes committed outbox rows to JetStream and deletes them once JetStream has acknowledged
 * them, on the claim loop of libs/jobs: a transaction takes up to a batch of rows with one
 * statement (deleting and locking them), the batch is published, and the transaction commits when
 * every message was acknowledged or rolls back, leaving the rows pending, when one was not. Replicas
 * share the work (locked rows are skipped), and a relay that dies mid-batch loses nothing: its
 * transaction ends with its connection.
 *
 * A row holds events of one type and workspace (see `Outbox`), and the rows of one type in a batch
 * travel as one message (`packMessages`): its subject is the type, its body a JSON array of
 * envelopes, its Nats-Msg-Id the count of its events and a digest of the row ids it carries,
 * so that the same message published twice (a batch rolled back after JetStream took it) is dropped
 * by JetStream's duplicate window, and its `Lf-Workspaces` header the workspaces of its events, so
 * that a consumer that wants none of them can pass over it unread (see message-headers.ts). A batch formed differently the next time is a new message:
 * consumers apply each event once all the same, by its id in their inbox. The messages of a batch
 * are published together, each acknowledgement awaited concurrently. A failed publish means NATS
 * is unavailable: the batch is rolled back and the relay backs off before taking again.
 */
export class OutboxRelay {
  private readonly repository: OutboxRepository;
  private readonly loop: ClaimLoop<OutgoingMessage>;
  private readonly publishTimeoutMs: number;
  private readonly maxMessageBytes: number;
  private publishedSinceVacuum = 0;
  /** The transaction holding the batch being published (one batch at a time). */
  private batch: QueryRunner | undefined;

  constructor(
    private readonly dataSource: DataSource,
    private readonly jetstream: JetStreamClient,
    private readonly namespace: NatsNamespace,
    logger: Logger,
    options: OutboxRelayOptions,
  ) {
    this.repository = new OutboxRepository(dataSource);
    this.publishTimeoutMs = options.publishTimeoutMs ?? 5000;
    this.maxMessageBytes = options.maxMessageBytes ?? MAX_MESSAGE_BYTES;
    this.loop = new ClaimLoop<OutgoingMessage>({
      name: 'outbox relay',
      logger,
      queue: {
        claim: async (limit) => packMessages(await this.take(limit), this.maxMessageBytes),
        settle: async ({ done, failed }) => {
          await this.endBatch(failed.length === 0);
          if (failed.length === 0)
            await this.vacuumNow(
              done.reduce((rows, message) => rows + message.rows.length, 0),
              logger,
            );
        },
      },
      run: (message) => this.publish(message),
      sizeOf: (message) => eventsIn(message),
      batchSize: options.batchSize ?? 1000,
      // Rows are held by the batch's transaction, not by a lease.
      leaseMs: 0,
      pollIntervalMs: options.pollIntervalMs,
      minPassIntervalMs: options.minBatchIntervalMs,
      failureMeans: 'downstream',
      drainOnStop: true,
    });
  }

  start(): void {
    this.loop.start();
  }

  wake(): void {
    this.loop.wake();
  }

  /** Stops the loop, then publishes what is still pending (bounded by the publish timeout). */
  stop(): Promise<void> {
    return this.loop.stop();
  }

  /** Publishes pending rows until none is left; returns how many were published. */
  drain(): Promise<number> {
    return this.loop.drain();
  }

  pendingCount(): Promise<number> {
    return this.repository.pendingCount();
  }

  /** Starts the batch's transaction and takes its rows; an empty batch ends at once. */
  private async take(limit: number): Promise<PendingOutboxRow[]> {
    const runner = this.dataSource.createQueryRunner();
    try {
      await runner.startTransaction();
      const rows = await this.repository.take(runner.manager, limit);
      if (rows.length === 0) {
        await runner.commitTransaction();
        await runner.release();
        return [];
      }
      this.batch = runner;
      return rows;
    } catch (error) {
      if (runner.isTransactionActive) await runner.rollbackTransaction().catch(() => undefined);
      await runner.release();
      throw error;
    }
  }

  /** Commits the batch (its rows were published) or rolls it back (they stay pending). */
  private async endBatch(published: boolean): Promise<void> {
    const runner = this.batch;
    this.batch = undefined;
    if (!runner) return;
    try {
      if (published) await runner.commitTransaction();
      else await runner.rollbackTransaction();
    } finally {
      await runner.release();
    }
  }

  /** Vacuums the outbox once every VACUUM_EVERY_ROWS rows published; a failure only delays it. */
  private async vacuumNow(published: number, logger: Logger): Promise<void> {
    this.publishedSinceVacuum += published;
    if (this.publishedSinceVacuum < VACUUM_EVERY_ROWS) return;
    this.publishedSinceVacuum = 0;
    await this.repository.vacuum().catch((error: unknown) => logger.warn({ err: error }, 'outbox vacuum failed; will try again later'));
  }

  private async publish(message: OutgoingMessage): Promise<void> {
    const workspaces = workspacesHeader(message.rows.map((row) => row.workspaceId));
    let named: MsgHdrs | undefined;
    if (workspaces !== undefined) {
      named = headers();
      named.set(WORKSPACES_HEADER, workspaces);
    }
    await this.jetstream.publish(this.namespace.subject(message.type), messageBody(message), {
      msgID: messageId(message),
      timeout: this.publishTimeoutMs,
      headers: named,
    });
  }
}

/**
 * Packs claimed rows, in their order, into messages of one type each: consecutive or not, the
 * events of a type keep their relative order, and a message holds at most `maxBytes` of envelopes
 * (one larger row travels alone; rows are never split).
 */
export function packMessages(rows: readonly PendingOutboxRow[], maxBytes: number): OutgoingMessage[] {
  const messages: OutgoingMessage[] = [];
  const open = new Map<string, { message: OutgoingMessage; bytes: number }>();
  for (const row of rows) {
    const size = Buffer.byteLength(row.envelopes) + 1;
    let current = open.get(row.type);
    if (!current || (current.message.rows.length > 0 && current.bytes + size > maxBytes)) {
      current = { message: { type: row.type, rows: [] }, bytes: 2 };
      open.set(row.type, current);
      messages.push(current.message);
    }
    current.message.rows.push(row);
    current.bytes += size;
  }
  return messages;
}

/** How many events a message carries. */
export function eventsIn(message: OutgoingMessage): number {
  return message.rows.reduce((sum, row) => sum + row.count, 0);
}

/** The message body: its envelopes as a JSON array, joined as PostgreSQL wrote them. */
export function messageBody(message: OutgoingMessage): string {
  return `[${message.rows.map((row) => row.envelopes).join(',')}]`;
}
