import { type EventEnvelope, type EventType, type StreamDefinition } from '@leadflow/contracts';
import { qualifiedTable } from '@leadflow/database';
import { runWithRequestId } from '@leadflow/logging';
import type { ConsumerMessages, JetStreamClient, JetStreamManager, JsMsg } from 'nats';
import type { Logger } from 'pino';
import type { DataSource, EntityManager } from 'typeorm';
import { ensureDurableConsumer, ensureStream } from '../jetstream/provisioning';
import type { NatsNamespace } from '@leadflow/contracts';
import { flushBeforeCommit } from './before-commit';
import { parseEnvelope, parseEventData, redeliveryDelayMs } from './envelope-parser';

/**
 * Applies the effect of consecutive events of one type, in order, inside the transaction that also
 * records them in the inbox. Their data has been validated against the type's class.
 */
export type EventHandler = (events: ReadonlyArray<EventEnvelope<object>>, manager: EntityManager) => Promise<void>;

export interface InboxConsumerSettings {
  /** Name of the consuming app: the durable consumer and the inbox's `consumer` column. */
  consumer: string;
  ackWaitSeconds: number;
  maxDeliver: number;
  /** Most events applied in one transaction. */
  batchSize: number;
  /** How long an event arriving at an idle consumer waits for others to join its batch. */
  batchLingerMs: number;
  jetStreamReplicas: number;
  /** The NATS server filters a consumer on several subjects (2.10 and later). */
  multipleFilters: boolean;
}

export type EventOutcome = 'applied' | 'duplicate' | 'ignored' | 'retry' | 'dead_letter';

/** A delivered event, parsed and its data validated, with the handler that applies it. */
interface Delivery {
  message: JsMsg;
  event: EventEnvelope<object>;
  handler: EventHandler;
}

/** Lifetime of one pull request; the server sends heartbeats at half of it. */
const PULL_EXPIRES_MS = 10_000;

/**
 * Durable, idempotent event consumption: one durable pull consumer per stream, explicit acks after
 * the effect commits, `(consumer, event id)` recorded in the inbox in the same transaction, delayed
 * redelivery on failure, and a dead-letter row after the last delivery. Never drops an event
 * silently.
 *
 * Events are applied in delivery order, in batches: whatever has arrived while the previous batch
 * was being applied (up to `batchSize`) is applied in one transaction, and an event reaching an
 * idle consumer waits up to `batchLingerMs` for others to join it, so a busy stream costs one commit
 * per batch rather than per event. When a batch's transaction fails, its
 * events are applied one transaction each, so that only the failing event is retried.
 */
export class InboxConsumer {
  private running = false;
  private readonly loops: Promise<void>[] = [];
  private readonly subscriptions = new Set<ConsumerMessages>();
  private readonly applying = new Set<Promise<void>>();

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
      maxAckPending: this.settings.batchSize * 4,
      subjects: [...handlers.keys()].map((type) => this.namespace.subject(type)),
      multipleFilters: this.settings.multipleFilters,
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
    await Promise.allSettled([...this.applying]);
  }

  private async pull(stream: string, durable: string, handlers: ReadonlyMap<string, EventHandler>): Promise<void> {
    while (this.running) {
      let messages: ConsumerMessages | undefined;
      const arrived: JsMsg[] = [];
      let applied: Promise<void> = Promise.resolve();
      let applyingNow = false;
      let lingering: NodeJS.Timeout | undefined;
      // Applies what has arrived, batch after batch, until nothing is left; one such run at a time.
      const applyArrived = async (): Promise<void> => {
        applyingNow = true;
        try {
          while (arrived.length > 0) await this.handleBatch(stream, arrived.splice(0, this.settings.batchSize), handlers);
        } finally {
          applyingNow = false;
        }
      };
      const startApplying = (): void => {
        clearTimeout(lingering);
        lingering = undefined;
        applied = applyArrived();
        const tracked: Promise<void> = applied.finally(() => this.applying.delete(tracked));
        this.applying.add(tracked);
      };
      try {
        const consumer = await this.jetstream.consumers.get(stream, durable);
        // Pull requests expire after 10 s with a heartbeat every 5 s, so that a pull lost with a
        // NATS server (a consumer leader moving in a cluster) is noticed and renewed within about
        // 10 s rather than the client's default 30 to 60 s.
        messages = await consumer.consume({ max_messages: this.settings.batchSize * 2, expires: PULL_EXPIRES_MS });
        this.subscriptions.add(messages);
        for await (const message of messages) {
          arrived.push(message);
          if (!applyingNow) {
            // An idle consumer gives the first event a moment's company; a full batch goes at once.
            if (arrived.length >= this.settings.batchSize || this.settings.batchLingerMs === 0) startApplying();
            else lingering ??= setTimeout(startApplying, this.settings.batchLingerMs);
          }
          // Back-pressure: stop taking messages while a full batch waits.
          if (arrived.length >= this.settings.batchSize * 2) await applied;
        }
      } catch (error) {
        if (this.running) {
          this.logger.warn({ err: error, stream, durable }, 'event consumer interrupted; resuming');
          await new Promise((resolve) => setTimeout(resolve, 1000));
        }
      } finally {
        if (messages) this.subscriptions.delete(messages);
        // What is still lingering is applied now rather than left for redelivery.
        if (lingering) startApplying();
        await applied.catch(() => undefined);
      }
    }
  }

  /** Applies a batch in one transaction, or each event on its own when the batch fails. */
  private async handleBatch(stream: string, messages: JsMsg[], handlers: ReadonlyMap<string, EventHandler>): Promise<void> {
    const deliveries: Delivery[] = [];
    for (const message of messages) {
      const delivery = await this.prepare(stream, message, handlers);
      if (delivery) deliveries.push(delivery);
    }
    if (deliveries.length === 0) return;
    if (deliveries.length > 1) {
      try {
        const applied = await this.applyBatch(deliveries);
        deliveries.forEach(({ message, event }, i) => {
          message.ack();
          this.onOutcome(applied[i] ? 'applied' : 'duplicate', event.type);
        });
        return;
      } catch (error) {
        this.logger.info({ err: error, events: deliveries.length }, 'event batch failed; applying its events one by one');
      }
    }
    for (const delivery of deliveries) await this.handle(stream, delivery);
  }

  /**
   * Parses a message and validates its data; acks one nobody here handles, and dead-letters at once
   * one that cannot be read or whose data breaks its contract, since no retry could change that.
   */
  private async prepare(stream: string, message: JsMsg, handlers: ReadonlyMap<string, EventHandler>): Promise<Delivery | undefined> {
    // The subject is the event's type: a type nobody here handles is acked unread (a consumer that
    // the server cannot filter on several types receives its stream's other types too).
    const type = this.namespace.unqualify(message.subject);
    const handler = type === undefined ? undefined : handlers.get(type);
    if (type === undefined || !handler) {
      message.ack();
      this.onOutcome('ignored', type ?? 'unknown');
      return undefined;
    }
    let envelope: EventEnvelope;
    try {
      envelope = parseEnvelope(message.data, type);
    } catch (error) {
      await this.deadLetter(stream, message, undefined, error, message.info.redeliveryCount);
      return undefined;
    }
    try {
      // A handled type is one of EventTypes: handlers are registered by their decorator's type.
      const event = parseEventData(envelope, envelope.type as EventType);
      return { message, event, handler };
    } catch (error) {
      await this.deadLetter(stream, message, envelope, error, message.info.redeliveryCount);
      return undefined;
    }
  }

  private async handle(stream: string, { message, event, handler }: Delivery): Promise<void> {
    const deliveries = message.info.redeliveryCount;
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

  /** Records the batch in the inbox with one statement, then applies the events seen for the first time, in order. */
  private async applyBatch(deliveries: Delivery[]): Promise<boolean[]> {
    return this.dataSource.transaction(async (manager) => {
      const recorded = (await manager.query(
        `INSERT INTO ${qualifiedTable(this.dataSource, 'inbox')} ("consumer", "event_id", "event_type")
         SELECT $1, "event_id", "event_type" FROM unnest($2::uuid[], $3::text[]) AS e("event_id", "event_type")
         ON CONFLICT DO NOTHING RETURNING "event_id"`,
        [this.settings.consumer, deliveries.map((d) => d.event.id), deliveries.map((d) => d.event.type)],
      )) as Array<{ event_id: string }>;
      const fresh = new Set(recorded.map((row) => row.event_id));
      // A redelivered copy of an event in the same batch is applied once.
      const applied = deliveries.map(({ event }) => fresh.delete(event.id));
      // Consecutive events of one type go to their handler together.
      let run: Delivery[] = [];
      const applyRun = async (): Promise<void> => {
        const [first] = run;
        if (!first) return;
        const events = run.map((delivery) => delivery.event);
        await runWithRequestId(first.event.correlationId, () => first.handler(events, manager));
        run = [];
      };
      for (const [i, delivery] of deliveries.entries()) {
        if (!applied[i]) continue;
        if (run.length > 0 && run[0]?.event.type !== delivery.event.type) await applyRun();
        run.push(delivery);
      }
      await applyRun();
      await flushBeforeCommit(manager);
      return applied;
    });
  }

  private async applyOnce(event: EventEnvelope<object>, handler: EventHandler): Promise<boolean> {
    return this.dataSource.transaction(async (manager) => {
      const recorded = (await manager.query(
        `INSERT INTO ${qualifiedTable(this.dataSource, 'inbox')} ("consumer", "event_id", "event_type") VALUES ($1, $2, $3)
         ON CONFLICT DO NOTHING RETURNING 1`,
        [this.settings.consumer, event.id, event.type],
      )) as unknown[];
      if (recorded.length === 0) return false;
      await handler([event], manager);
      await flushBeforeCommit(manager);
      return true;
    });
  }

  private async deadLetter(
    stream: string,
    message: JsMsg,
    event: EventEnvelope<object> | undefined,
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
