import { ClaimLoop, errorText } from '@leadflow/jobs';
import { REQUEST_ID_HEADER } from '@leadflow/logging';
import type { Logger } from 'pino';
import { headers as natsHeaders, type JetStreamClient } from 'nats';
import type { DataSource } from 'typeorm';
import type { NatsNamespace } from '@leadflow/contracts';
import { OutboxRepository, type PendingOutboxRow } from './outbox.repository';

export interface OutboxRelayOptions {
  pollIntervalMs: number;
  batchSize?: number;
  publishTimeoutMs?: number;
}

/**
 * Publishes committed outbox rows to JetStream and marks them published once JetStream has
 * acknowledged them, on the shared lease-based claim loop of libs/jobs: up to a batch of rows is
 * claimed with one statement and the acknowledged ones are marked with another, so replicas share
 * the work without holding a transaction open while they publish. The event id is the
 * Nats-Msg-Id, so a row published twice (a relay that died between the ack and the update) is
 * dropped by JetStream's duplicate window. A failed publish means NATS is unavailable: the rows are
 * released and the relay backs off before claiming again.
 */
export class OutboxRelay {
  private readonly repository: OutboxRepository;
  private readonly loop: ClaimLoop<PendingOutboxRow>;
  private readonly publishTimeoutMs: number;

  constructor(
    dataSource: DataSource,
    private readonly jetstream: JetStreamClient,
    private readonly namespace: NatsNamespace,
    logger: Logger,
    options: OutboxRelayOptions,
  ) {
    this.repository = new OutboxRepository(dataSource);
    this.publishTimeoutMs = options.publishTimeoutMs ?? 5000;
    this.loop = new ClaimLoop<PendingOutboxRow>({
      name: 'outbox relay',
      logger,
      queue: {
        claim: (limit, leaseMs) => this.repository.claim(limit, leaseMs),
        settle: async ({ done, failed }) => {
          await this.repository.markPublished(done.map((row) => row.id));
          if (failed.length > 0) {
            await this.repository.release(
              failed.map(({ item }) => item.id),
              errorText(failed[0]?.error),
            );
          }
        },
      },
      run: (row) => this.publish(row),
      batchSize: options.batchSize ?? 200,
      // Long enough for every publish of a batch to time out, so a live relay never loses its claim.
      leaseMs: this.publishTimeoutMs * 3,
      pollIntervalMs: options.pollIntervalMs,
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

  private async publish(row: PendingOutboxRow): Promise<void> {
    const headers = natsHeaders();
    if (row.envelope.correlationId) headers.set(REQUEST_ID_HEADER, row.envelope.correlationId);
    await this.jetstream.publish(this.namespace.subject(row.type), JSON.stringify(row.envelope), {
      msgID: row.id,
      headers,
      timeout: this.publishTimeoutMs,
    });
  }
}
