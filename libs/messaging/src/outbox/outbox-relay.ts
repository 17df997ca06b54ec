import { qualifiedTable } from '@leadflow/database';
import { REQUEST_ID_HEADER } from '@leadflow/logging';
import type { Logger } from 'pino';
import { headers as natsHeaders, type JetStreamClient } from 'nats';
import type { DataSource } from 'typeorm';
import type { NatsNamespace } from '../namespace';

interface PendingRow {
  id: string;
  type: string;
  envelope: { correlationId?: string } & Record<string, unknown>;
}

export interface OutboxRelayOptions {
  pollIntervalMs: number;
  batchSize?: number;
  publishTimeoutMs?: number;
}

/**
 * Publishes committed outbox rows to JetStream and marks them published once JetStream has
 * acknowledged them. Rows are claimed with FOR UPDATE SKIP LOCKED, so replicas share the work;
 * the event id is the Nats-Msg-Id, so a row published twice (crash between ack and update) is
 * dropped by JetStream's duplicate window. Woken after each commit, and polls as a safety net.
 */
export class OutboxRelay {
  private running = false;
  private loopDone: Promise<void> = Promise.resolve();
  private wakeUp: (() => void) | undefined;
  private wakeRequested = false;
  private failures = 0;
  private readonly batchSize: number;
  private readonly publishTimeoutMs: number;

  constructor(
    private readonly dataSource: DataSource,
    private readonly jetstream: JetStreamClient,
    private readonly namespace: NatsNamespace,
    private readonly logger: Logger,
    private readonly options: OutboxRelayOptions,
  ) {
    this.batchSize = options.batchSize ?? 200;
    this.publishTimeoutMs = options.publishTimeoutMs ?? 5000;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loopDone = this.loop();
  }

  wake(): void {
    this.wakeRequested = true;
    this.wakeUp?.();
  }

  /** Stops the loop, then publishes what is still pending (bounded by the publish timeout). */
  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    this.wake();
    await this.loopDone;
    await this.drain().catch((error: unknown) => this.logger.warn({ err: error }, 'outbox not fully flushed at shutdown'));
  }

  /** Publishes pending rows until none is left; returns how many were published. */
  async drain(): Promise<number> {
    let total = 0;
    for (;;) {
      const { claimed, published } = await this.publishBatch();
      total += published;
      if (published < claimed) throw new Error(`${claimed - published} outbox events could not be published`);
      if (claimed < this.batchSize) return total;
    }
  }

  async pendingCount(): Promise<number> {
    const [row] = (await this.dataSource.query(
      `SELECT count(*)::int AS "n" FROM ${qualifiedTable(this.dataSource, 'outbox')} WHERE "published_at" IS NULL`,
    )) as Array<{ n: number }>;
    return row?.n ?? 0;
  }

  private async loop(): Promise<void> {
    while (this.running) {
      this.wakeRequested = false;
      try {
        await this.drain();
        if (this.failures > 0) this.logger.info({ afterFailures: this.failures }, 'outbox relay publishing again');
        this.failures = 0;
      } catch (error) {
        this.failures += 1;
        // One line per outage, then one a minute, so that a long outage does not flood the log.
        if (this.failures === 1 || this.failures % 60 === 0) {
          this.logger.warn({ err: error, failures: this.failures }, 'outbox relay could not publish; will retry');
        }
      }
      if (!this.running || this.wakeRequested) continue;
      const delay =
        this.failures === 0 ? this.options.pollIntervalMs : Math.min(this.options.pollIntervalMs * 2 ** Math.min(this.failures, 5), 30000);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, delay);
        this.wakeUp = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.wakeUp = undefined;
    }
  }

  private async publishBatch(): Promise<{ claimed: number; published: number }> {
    const table = qualifiedTable(this.dataSource, 'outbox');
    return this.dataSource.transaction(async (manager) => {
      const rows = (await manager.query(
        `SELECT "id", "type", "envelope" FROM ${table} WHERE "published_at" IS NULL ORDER BY "seq" LIMIT $1 FOR UPDATE SKIP LOCKED`,
        [this.batchSize],
      )) as PendingRow[];
      if (rows.length === 0) return { claimed: 0, published: 0 };

      const results = await Promise.allSettled(rows.map((row) => this.publish(row)));
      const published = rows.filter((_, i) => results[i]?.status === 'fulfilled').map((row) => row.id);
      const failed = rows.filter((_, i) => results[i]?.status === 'rejected');
      if (published.length > 0) {
        await manager.query(`UPDATE ${table} SET "published_at" = now(), "attempts" = "attempts" + 1 WHERE "id" = ANY($1::uuid[])`, [
          published,
        ]);
      }
      if (failed.length > 0) {
        const reason = results.find((r): r is PromiseRejectedResult => r.status === 'rejected')?.reason;
        await manager.query(`UPDATE ${table} SET "attempts" = "attempts" + 1, "last_error" = $2 WHERE "id" = ANY($1::uuid[])`, [
          failed.map((row) => row.id),
          String(reason instanceof Error ? reason.message : reason).slice(0, 1000),
        ]);
      }
      return { claimed: rows.length, published: published.length };
    });
  }

  private async publish(row: PendingRow): Promise<void> {
    const headers = natsHeaders();
    if (row.envelope.correlationId) headers.set(REQUEST_ID_HEADER, row.envelope.correlationId);
    await this.jetstream.publish(this.namespace.subject(row.type), JSON.stringify(row.envelope), {
      msgID: row.id,
      headers,
      timeout: this.publishTimeoutMs,
    });
  }
}
