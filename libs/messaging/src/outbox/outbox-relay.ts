import { qualifiedTable } from '@leadflow/database';
import { REQUEST_ID_HEADER } from '@leadflow/logging';
import type { Logger } from 'pino';
import { headers as natsHeaders, type JetStreamClient } from 'nats';
import type { DataSource } from 'typeorm';
import type { NatsNamespace } from '@leadflow/contracts';

interface PendingRow {
  id: string;
  seq: string;
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
 * acknowledged them. Rows are claimed for a lease (`claimed_until`) with FOR UPDATE SKIP LOCKED, so
 * replicas share the work without holding a transaction open while they publish; the event id is
 * the Nats-Msg-Id, so a row published twice (a relay that died between the ack and the update) is
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
  private readonly claimLeaseSeconds: number;

  constructor(
    private readonly dataSource: DataSource,
    private readonly jetstream: JetStreamClient,
    private readonly namespace: NatsNamespace,
    private readonly logger: Logger,
    private readonly options: OutboxRelayOptions,
  ) {
    this.batchSize = options.batchSize ?? 200;
    this.publishTimeoutMs = options.publishTimeoutMs ?? 5000;
    // Long enough for every publish of a batch to time out, so a live relay never loses its claim.
    this.claimLeaseSeconds = Math.ceil((this.publishTimeoutMs * 3) / 1000);
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

  /**
   * Claims up to a batch of pending rows with one statement, publishes them, and marks the
   * acknowledged ones with another. A row whose publish failed is released for the next pass; one
   * claimed by a relay that died is taken again once its lease has run out.
   */
  private async publishBatch(): Promise<{ claimed: number; published: number }> {
    const table = qualifiedTable(this.dataSource, 'outbox');
    // TypeORM answers an UPDATE … RETURNING with [rows, affected].
    const [rows] = (await this.dataSource.query(
      `UPDATE ${table} o SET "claimed_until" = now() + make_interval(secs => $2), "attempts" = o."attempts" + 1
       FROM (SELECT "id" FROM ${table}
             WHERE "published_at" IS NULL AND ("claimed_until" IS NULL OR "claimed_until" < now())
             ORDER BY "seq" LIMIT $1 FOR UPDATE SKIP LOCKED) AS c
       WHERE o."id" = c."id"
       RETURNING o."id", o."seq", o."type", o."envelope"`,
      [this.batchSize, this.claimLeaseSeconds],
    )) as [PendingRow[], number];
    if (rows.length === 0) return { claimed: 0, published: 0 };
    // RETURNING keeps no order; publishing does, as far as concurrent publishes can.
    rows.sort((a, b) => Number(BigInt(a.seq) - BigInt(b.seq)));

    const results = await Promise.allSettled(rows.map((row) => this.publish(row)));
    const published = rows.filter((_, i) => results[i]?.status === 'fulfilled').map((row) => row.id);
    const failed = rows.filter((_, i) => results[i]?.status === 'rejected').map((row) => row.id);
    if (published.length > 0) {
      await this.dataSource.query(`UPDATE ${table} SET "published_at" = now() WHERE "id" = ANY($1::uuid[])`, [published]);
    }
    if (failed.length > 0) {
      const reason = results.find((r): r is PromiseRejectedResult => r.status === 'rejected')?.reason;
      await this.dataSource.query(`UPDATE ${table} SET "claimed_until" = NULL, "last_error" = $2 WHERE "id" = ANY($1::uuid[])`, [
        failed,
        String(reason instanceof Error ? reason.message : reason).slice(0, 1000),
      ]);
    }
    return { claimed: rows.length, published: published.length };
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
