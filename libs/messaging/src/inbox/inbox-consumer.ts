import { type EventEnvelope, type StreamDefinition } from '@leadflow/contracts';
import { qualifiedTable } from '@leadflow/database';
import { runWithRequestId } from '@leadflow/logging';
import type { ConsumerMessages, JetStreamClient, JetStreamManager, JsMsg } from 'nats';
import type { Logger } from 'pino';
import type { DataSource, EntityManager } from 'typeorm';
import { ensureDurableConsumer, ensureStream } from '../jetstream/provisioning';
import type { NatsNamespace } from '../namespace';
import { parseEnvelope, redeliveryDelayMs } from './envelope-parser';

/** Applies one event's effect inside the transaction that also records it in the inbox. */
export type EventHandler = (event: EventEnvelope, manager: EntityManager) => Promise<void>;

export interface InboxConsumerSettings {
  /** Name of the consuming app: the durable consumer and the inbox's `consumer` column. */
  consumer: string;
  ackWaitSeconds: number;
  maxDeliver: number;
  concurrency: number;
  jetStreamReplicas: number;
}

export type EventOutcome = 'applied' | 'duplicate' | 'ignored' | 'retry' | 'dead_letter';

/**
 * Durable, idempotent event consumption: one durable pull consumer per stream, explicit acks after
 * the effect commits, `(consumer, event id)` recorded in the inbox in the same transaction, delayed
 * redelivery on failure, and a dead-letter row after the last delivery. Never drops an event
 * silently.
 */
export class InboxConsumer {
  private running = false;
  private readonly loops: Promise<void>[] = [];
  private readonly subscriptions = new Set<ConsumerMessages>();
  private readonly inFlight = new Set<Promise<void>>();

  constructor(
    private readonly dataSource: DataSource,
    private readonly jetstream: JetStreamClient,
    private readonly manager: JetStreamManager,
    private readonly namespace: NatsNamespace,
    private readonly logger: Logger,
    private readonly settings: InboxConsumerSettings,
    private readonly onOutcome: (outcome: EventOutcome, type: string) => void = () => undefined,
  ) {}

  async start(stream: StreamDefinition, handlers: ReadonlyMap<string, EventHandler>): Promise<void> {
    const streamName = await ensureStream(this.manager, this.namespace, stream, this.settings.jetStreamReplicas);
    const durable = this.namespace.durable(this.settings.consumer);
    await ensureDurableConsumer(this.manager, streamName, {
      durable,
      ackWaitSeconds: this.settings.ackWaitSeconds,
      maxAckPending: Math.max(100, this.settings.concurrency * 10),
    });
    this.running = true;
    this.loops.push(this.pull(streamName, durable, handlers));
    this.logger.info({ stream: streamName, durable, types: [...handlers.keys()] }, 'consuming events');
  }

  /** Stops pulling, then waits for the events being handled to finish. */
  async stop(): Promise<void> {
    this.running = false;
    for (const messages of this.subscriptions) messages.stop();
    await Promise.allSettled(this.loops);
    await Promise.allSettled([...this.inFlight]);
  }

  private async pull(stream: string, durable: string, handlers: ReadonlyMap<string, EventHandler>): Promise<void> {
    while (this.running) {
      let messages: ConsumerMessages | undefined;
      try {
        const consumer = await this.jetstream.consumers.get(stream, durable);
        messages = await consumer.consume({ max_messages: this.settings.concurrency });
        this.subscriptions.add(messages);
        for await (const message of messages) {
          const task: Promise<void> = this.handle(stream, message, handlers).finally(() => this.inFlight.delete(task));
          this.inFlight.add(task);
          if (this.inFlight.size >= this.settings.concurrency) await Promise.race(this.inFlight);
        }
      } catch (error) {
        if (this.running) {
          this.logger.warn({ err: error, stream, durable }, 'event consumer interrupted; resuming');
          await new Promise((resolve) => setTimeout(resolve, 1000));
        }
      } finally {
        if (messages) this.subscriptions.delete(messages);
      }
    }
  }

  private async handle(stream: string, message: JsMsg, handlers: ReadonlyMap<string, EventHandler>): Promise<void> {
    const deliveries = message.info.redeliveryCount;
    const type = this.namespace.unqualify(message.subject);
    let event: EventEnvelope;
    try {
      event = parseEnvelope(message.data, type);
    } catch (error) {
      await this.deadLetter(stream, message, undefined, error, deliveries);
      return;
    }
    const handler = handlers.get(event.type);
    if (!handler) {
      message.ack();
      this.onOutcome('ignored', event.type);
      return;
    }
    await runWithRequestId(event.correlationId, async () => {
      try {
        const applied = await this.applyOnce(event, handler);
        message.ack();
        this.onOutcome(applied ? 'applied' : 'duplicate', event.type);
      } catch (error) {
        if (deliveries >= this.settings.maxDeliver) {
          await this.deadLetter(stream, message, event, error, deliveries);
        } else {
          const delay = redeliveryDelayMs(deliveries);
          this.logger.warn(
            { err: error, eventId: event.id, type: event.type, deliveries, retryInMs: delay },
            'event handler failed; will retry',
          );
          message.nak(delay);
          this.onOutcome('retry', event.type);
        }
      }
    });
  }

  private async applyOnce(event: EventEnvelope, handler: EventHandler): Promise<boolean> {
    return this.dataSource.transaction(async (manager) => {
      const recorded = (await manager.query(
        `INSERT INTO ${qualifiedTable(this.dataSource, 'inbox')} ("consumer", "event_id", "event_type") VALUES ($1, $2, $3)
         ON CONFLICT DO NOTHING RETURNING 1`,
        [this.settings.consumer, event.id, event.type],
      )) as unknown[];
      if (recorded.length === 0) return false;
      await handler(event, manager);
      return true;
    });
  }

  private async deadLetter(
    stream: string,
    message: JsMsg,
    event: EventEnvelope | undefined,
    error: unknown,
    deliveries: number,
  ): Promise<void> {
    const reason = error instanceof Error ? error.message : String(error);
    try {
      await this.dataSource.query(
        `INSERT INTO ${qualifiedTable(this.dataSource, 'dead_letters')} ("consumer", "stream", "subject", "event_id", "payload", "error", "deliveries")
         VALUES ($1, $2, $3, $4, $5, $6, $7)`,
        [
          this.settings.consumer,
          stream,
          message.subject,
          event?.id ?? null,
          Buffer.from(message.data).toString('utf8'),
          reason.slice(0, 4000),
          deliveries,
        ],
      );
      message.term();
      this.onOutcome('dead_letter', event?.type ?? 'unknown');
      this.logger.error({ eventId: event?.id, subject: message.subject, deliveries, reason }, 'event moved to dead letters');
    } catch (recordError) {
      // Not recorded: leave it to JetStream to deliver again rather than lose it.
      this.logger.error({ err: recordError, subject: message.subject }, 'could not record dead letter; event will be redelivered');
      message.nak(redeliveryDelayMs(deliveries));
    }
  }
}
