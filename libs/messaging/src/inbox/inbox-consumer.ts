import { type EventEnvelope, type EventType, readMessage, type StreamDefinition } from '@leadflow/contracts';
import { runWithRequestId } from '@leadflow/logging';
import { ConsumerEvents, type ConsumerMessages, type JetStreamClient, type JetStreamManager, type JsMsg } from 'nats';
import type { Logger } from 'pino';
import type { DataSource, EntityManager } from 'typeorm';
import {
  type DurableConsumerSettings,
  ensureDurableConsumer,
  ensureStream,
  IDLE_CONSUMER_MIN_AGE_MS,
  removeIdleConsumer,
} from '../jetstream/provisioning';
import type { NatsNamespace } from '@leadflow/contracts';
import { flushBeforeCommit } from './before-commit';
import type { WantedAtAll, WantedEvents, WantedWorkspace } from '../consumes-events.decorator';
import type { ConsumerDemand } from '../consumer-demand';
import { eventCountOf, MSG_ID_HEADER, namedWorkspaces, WORKSPACES_HEADER } from '../jetstream/message-headers';
import { parseEnvelope, parseEventData, redeliveryDelayMs } from './envelope-parser';
import { InboxRepository } from './inbox.repository';

/**
 * Applies the effect of consecutive events of one type, in order, inside the transaction that also
 * records them in the inbox. Their data has been validated against the type's class.
 */
export type EventHandler = (events: ReadonlyArray<EventEnvelope<object>>, manager: EntityManager) => Promise<void>;

export interface InboxConsumerSettings {
  /** Name of the consuming app: the inbox's `consumer` column. */
  consumer: string;
  ackWaitSeconds: number;
  maxDeliver: number;
  /** Most events applied in one transaction. */
  batchSize: number;
  /**
   * Least time between the starts of two batches (unless a batch is full): an event reaching a
   * consumer that has been idle for longer is applied at once; under load, the events that arrive
   * meanwhile are applied together.
   */
  batchIntervalMs: number;
  jetStreamReplicas: number;
  /** How often an on-demand type nothing wants is checked again (default 5000 ms). */
  onDemandCheckMs?: number;
  /** How old a consumer must be before an on-demand type's check may take it as idle (default `IDLE_CONSUMER_MIN_AGE_MS`). */
  idleConsumerMinAgeMs?: number;
}

/** One event type an app consumes, through its own durable consumer. */
export interface ConsumedType {
  type: EventType;
  /** The durable's name, namespace applied. */
  durable: string;
  /** A durable this one takes over from (see `ensureDurableConsumer`). */
  replaces?: string;
  handler: EventHandler;
  /** Which events the handler would have any effect for; the others are acknowledged without a transaction. */
  wanted?: WantedEvents;
  /** Whether it could want any event of a workspace; a message naming only unwanted ones is acknowledged unread. */
  wantsWorkspace?: WantedWorkspace;
  /** Each event in a transaction of its own (`ConsumesEventsOptions.oneEventPerTransaction`). */
  oneEventPerTransaction?: boolean;
  /** The handler applies each event once by itself: no inbox row (`ConsumesEventsOptions.idempotent`). */
  idempotent?: boolean;
  /** Whether anything wants the type at all: no consumer while nothing does (`ConsumesEventsOptions.onDemand`). */
  wantedAtAll?: WantedAtAll;
}

export type EventOutcome = 'applied' | 'duplicate' | 'unwanted' | 'retry' | 'dead_letter';

/**
 * A message as it arrived, not yet read: its body is parsed when its batch starts, and not at all
 * when its header names only workspaces the handler wants nothing from.
 */
interface Arrival {
  message: JsMsg;
  /** The events it says it carries (its Nats-Msg-Id), for sizing batches. */
  events: number;
}

/** A message whose events were checked: the valid ones, to apply (the others are dead letters). */
interface Delivery {
  message: JsMsg;
  events: Array<EventEnvelope<object>>;
}

/** Lifetime of one pull request: the client asks again when the server says it expired. */
const PULL_EXPIRES_MS = 30_000;

/**
 * How often the server sends a heartbeat while a pull request of ours waits: after two missed, the
 * client takes its requests as lost and pulls again. That bounds what a lost request costs, about
 * 3 s of nothing delivered: a request held by a server that went away, or one that expired without
 * the server saying so (NATS servers before 2.9.16 drop such a request silently when a message
 * arrives between its expiry and the server's own check).
 */
const PULL_IDLE_HEARTBEAT_MS = 1_000;

/**
 * Durable, idempotent event consumption: one durable pull consumer per event type an app handles,
 * filtered on its subject; explicit acks after the effect commits; `(consumer, event id)` recorded
 * in the inbox in the same transaction; delayed redelivery on failure; and a dead-letter row after
 * the last delivery. Never drops an event silently.
 *
 * A message carries one or more events of its type (the relay packs them). Events are applied in
 * delivery order, in batches: whatever has arrived (up to `batchSize` events) is applied in one
 * transaction, with one inbox statement for all of them, and batches start at most every
 * `batchIntervalMs` unless full, so that under load events are applied many per transaction while
 * one reaching an idle consumer goes at once. When a batch's transaction fails, its events are applied one transaction each, so that only the failing
 * event is retried: its message is redelivered, and the inbox skips the events of it that were
 * applied (a batch that met a deadlock or a serialization failure is first tried again whole). A
 * handler may say which events it would have any effect for (`wanted`): the others are
 * acknowledged without a transaction or an inbox row; whether it could want anything of a
 * workspace (`wantsWorkspace`): a message whose `Lf-Workspaces` header names only workspaces it
 * wants nothing from is acknowledged unread (bodies are read when their batch starts, not on
 * arrival); that its events go one per transaction (`oneEventPerTransaction`); and that it
 * applies each event once by itself (`idempotent`), so that its events leave no inbox row.
 */
export class InboxConsumer {
  private running = false;
  private readonly loops: Promise<void>[] = [];
  private readonly subscriptions = new Set<ConsumerMessages>();
  private readonly applying = new Set<Promise<void>>();
  private readonly inbox: InboxRepository;
  /** On-demand types waiting for their next check: `stop` ends the wait. */
  private readonly checksDue = new Set<() => void>();

  constructor(
    private readonly dataSource: DataSource,
    private readonly jetstream: JetStreamClient,
    private readonly manager: JetStreamManager,
    private readonly namespace: NatsNamespace,
    private readonly logger: Logger,
    private readonly settings: InboxConsumerSettings,
    private readonly onOutcome: (outcome: EventOutcome, type: string, count?: number) => void = () => undefined,
    private readonly demand?: Pick<ConsumerDemand, 'onChange'>,
  ) {
    this.inbox = new InboxRepository(dataSource);
  }

  /**
   * Ensures the stream and the type's durable consumer, then consumes it until `stop`; for an
   * on-demand type, only while something wants it (`consumeOnDemand`).
   */
  async start(stream: StreamDefinition, consumed: ConsumedType): Promise<void> {
    const streamName = await ensureStream(this.manager, this.namespace, stream, this.settings.jetStreamReplicas);
    const durable: DurableConsumerSettings = {
      durable: consumed.durable,
      ackWaitSeconds: this.settings.ackWaitSeconds,
      // Messages, each of up to a relay batch of events.
      maxAckPending: this.settings.batchSize * 4,
      subject: this.namespace.subject(consumed.type),
      replaces: consumed.replaces,
    };
    if (consumed.wantedAtAll) {
      this.running = true;
      this.loops.push(this.consumeOnDemand(streamName, consumed, consumed.wantedAtAll, durable));
      return;
    }
    await ensureDurableConsumer(this.manager, streamName, durable);
    this.running = true;
    this.loops.push(this.pull(streamName, consumed));
    this.logger.info({ stream: streamName, durable: consumed.durable, type: consumed.type }, 'consuming events');
  }

  /**
   * An on-demand type: while nothing wants it, no consumer of this replica's (one left idle by an
   * earlier process is removed at start), and the last stream sequence stored before each check is
   * remembered. Once something wants it, the consumer is created (or an idle one replaced) to
   * deliver what was stored after the last check that found nothing wanted, or after the check that
   * found it missing; one that another replica consumes is shared as it is. It is consumed until it
   * goes away (another replica replaced it) or this consumer stops. An event stored before a check
   * that found nothing wanted is wanted by nobody; one delivered twice is skipped by the inbox.
   */
  private async consumeOnDemand(
    stream: string,
    consumed: ConsumedType,
    wantedAtAll: WantedAtAll,
    durable: DurableConsumerSettings,
  ): Promise<void> {
    const context = { stream, durable: consumed.durable, type: consumed.type };
    const idleMinAgeMs = this.settings.idleConsumerMinAgeMs ?? IDLE_CONSUMER_MIN_AGE_MS;
    let unwantedUpTo: number | undefined;
    let checked = false;
    while (this.running) {
      try {
        const lastStored = (await this.manager.streams.info(stream)).state.last_seq;
        if (!(await wantedAtAll())) {
          unwantedUpTo = lastStored;
          if (!checked && (await removeIdleConsumer(this.manager, stream, consumed.durable, idleMinAgeMs))) {
            this.logger.info(context, 'nothing wants this event type: removed its idle consumer');
          }
          checked = true;
          await this.untilDemandCheck();
          continue;
        }
        checked = true;
        const settings = { ...durable, startAfter: unwantedUpTo ?? lastStored, replaceIdle: unwantedUpTo !== undefined };
        await ensureDurableConsumer(this.manager, stream, settings, idleMinAgeMs);
        this.logger.info({ ...context, startAfter: settings.startAfter }, 'consuming events');
        unwantedUpTo = undefined;
        await this.pull(stream, consumed, true);
      } catch (error) {
        if (!this.running) return;
        this.logger.warn({ err: error, ...context }, 'on-demand event consumer interrupted; checking again');
      }
      if (this.running) await this.untilDemandCheck();
    }
  }

  /** Until the next check of an on-demand type: its interval, a change the app reports, or `stop`. */
  private untilDemandCheck(): Promise<void> {
    return new Promise<void>((resolve) => {
      const due = (): void => {
        clearTimeout(timer);
        stopListening();
        this.checksDue.delete(due);
        resolve();
      };
      const timer = setTimeout(due, this.settings.onDemandCheckMs ?? 5000);
      const stopListening = this.demand?.onChange(due) ?? (() => undefined);
      this.checksDue.add(due);
    });
  }

  /** Stops pulling, then waits for the events being handled to finish. */
  async stop(): Promise<void> {
    this.running = false;
    for (const due of [...this.checksDue]) due();
    for (const messages of this.subscriptions) messages.stop();
    await Promise.allSettled(this.loops);
    await Promise.allSettled([...this.applying]);
  }

  /** Consumes the durable until `stop`; an on-demand one, until it is interrupted (it went away, say). */
  private async pull(stream: string, consumed: ConsumedType, onDemand = false): Promise<void> {
    const { batchSize, batchIntervalMs } = this.settings;
    let lastBatchAt = Number.NEGATIVE_INFINITY;
    while (this.running) {
      let messages: ConsumerMessages | undefined;
      const arrived: Arrival[] = [];
      let arrivedEvents = 0;
      let applied: Promise<void> = Promise.resolve();
      let applyingNow = false;
      let waiting: NodeJS.Timeout | undefined;
      // Takes whole messages, up to a batch of events (at least one message).
      const takeBatch = (): Arrival[] => {
        let events = 0;
        let count = 0;
        while (count < arrived.length && (count === 0 || events + (arrived[count] as Arrival).events <= batchSize)) {
          events += (arrived[count] as Arrival).events;
          count += 1;
        }
        arrivedEvents -= events;
        return arrived.splice(0, count);
      };
      // Applies one batch of what has arrived, then schedules the next; one batch at a time.
      const startApplying = (): void => {
        clearTimeout(waiting);
        waiting = undefined;
        applyingNow = true;
        lastBatchAt = Date.now();
        applied = this.handleBatch(stream, consumed, takeBatch()).finally(() => {
          applyingNow = false;
          schedule();
        });
        const tracked: Promise<void> = applied.finally(() => this.applying.delete(tracked));
        this.applying.add(tracked);
      };
      // A batch starts at most every `batchIntervalMs` unless it is full: an event reaching a
      // consumer idle for longer goes at once, and under load what arrives meanwhile goes together.
      const schedule = (): void => {
        if (applyingNow || arrived.length === 0) return;
        const wait = arrivedEvents >= batchSize ? 0 : lastBatchAt + batchIntervalMs - Date.now();
        if (wait <= 0) startApplying();
        else waiting ??= setTimeout(startApplying, wait);
      };
      try {
        const consumer = await this.jetstream.consumers.get(stream, consumed.durable);
        messages = await consumer.consume({
          max_messages: batchSize * 2,
          expires: PULL_EXPIRES_MS,
          idle_heartbeat: PULL_IDLE_HEARTBEAT_MS,
          // An on-demand consumer removed by another replica ends this consumption.
          abort_on_missing_resource: onDemand,
        });
        this.subscriptions.add(messages);
        void this.reportStatus(messages, stream, consumed.durable).catch(() => undefined);
        for await (const message of messages) {
          const arrival = { message, events: eventCountOf(message.headers?.get(MSG_ID_HEADER)) };
          arrived.push(arrival);
          arrivedEvents += arrival.events;
          schedule();
          // Back-pressure: stop taking messages while a full batch waits.
          if (arrivedEvents >= batchSize * 2) await applied;
        }
      } catch (error) {
        if (onDemand) {
          if (this.running) this.logger.info({ err: error, stream, durable: consumed.durable }, 'on-demand event consumer interrupted');
          return;
        }
        if (this.running) {
          this.logger.warn({ err: error, stream, durable: consumed.durable }, 'event consumer interrupted; resuming');
          await new Promise((resolve) => setTimeout(resolve, 1000));
        }
      } finally {
        if (messages) this.subscriptions.delete(messages);
        // What has arrived is applied now rather than left for redelivery.
        while (applyingNow || arrived.length > 0) {
          if (!applyingNow) startApplying();
          await applied.catch(() => undefined);
        }
      }
    }
  }

  /**
   * Logs what the client tells of its pull requests that an operator should see: heartbeats missed
   * (the requests were lost and are renewed), and a consumer or stream the server no longer knows.
   * The client's debug notices (each request, each expiry) are left out.
   */
  private async reportStatus(messages: ConsumerMessages, stream: string, durable: string): Promise<void> {
    for await (const { type, data } of await messages.status()) {
      if (type === ConsumerEvents.HeartbeatsMissed) {
        this.logger.warn({ stream, durable, missed: data }, 'no heartbeat from the pull request; pulling again');
      } else if (Object.values<string>(ConsumerEvents).includes(type)) {
        this.logger.warn({ stream, durable, status: type, detail: data }, 'event consumer status');
      }
    }
  }

  /** Applies a batch in one transaction, or each event on its own when the batch fails or the handler asks for it. */
  private async handleBatch(stream: string, consumed: ConsumedType, arrived: Arrival[]): Promise<void> {
    const arrivals = consumed.wantsWorkspace ? await this.passOverUnwanted(arrived, consumed.type, consumed.wantsWorkspace) : arrived;
    let deliveries: Delivery[] = [];
    for (const arrival of arrivals) {
      const delivery = await this.prepare(stream, consumed.type, arrival);
      if (delivery) deliveries.push(delivery);
    }
    if (consumed.wanted) deliveries = await this.keepWanted(deliveries, consumed.wanted);
    const events = deliveries.flatMap((delivery) => delivery.events);
    if (events.length === 0) return;
    if (events.length > 1 && !consumed.oneEventPerTransaction) {
      for (let attempt = 1; ; attempt += 1) {
        try {
          const applied = await this.applyBatch(events, consumed);
          for (const { message } of deliveries) message.ack();
          events.forEach((event, i) => this.onOutcome(applied[i] ? 'applied' : 'duplicate', event.type));
          return;
        } catch (error) {
          // A deadlock or serialization failure says nothing of the events: the batch is tried
          // again whole, rather than as one transaction per event.
          if (isTransient(error) && attempt < BATCH_ATTEMPTS_ON_CONFLICT) {
            this.logger.info({ err: error, events: events.length, attempt }, 'event batch met a concurrent transaction; trying it again');
            continue;
          }
          this.logger.info({ err: error, events: events.length }, 'event batch failed; applying its events one by one');
          break;
        }
      }
    }
    for (const delivery of deliveries) await this.handleOneByOne(stream, delivery, consumed);
  }

  /**
   * Acknowledges, unread, each message whose `Lf-Workspaces` header names only workspaces the
   * handler wants nothing from. A message without the header is kept, and so is every message when
   * the handler cannot tell (its question failed).
   */
  private async passOverUnwanted(arrivals: Arrival[], type: EventType, wantsWorkspace: WantedWorkspace): Promise<Arrival[]> {
    const named = arrivals.map((arrival) => namedWorkspaces(arrival.message.headers?.get(WORKSPACES_HEADER)));
    const wanted = new Map<string, boolean>();
    try {
      for (const workspaceId of new Set(named.flatMap((ids) => ids ?? []))) wanted.set(workspaceId, await wantsWorkspace(workspaceId));
    } catch (error) {
      this.logger.warn({ err: error }, 'could not tell which workspaces the handler wants; reading every message');
      return arrivals;
    }
    return arrivals.filter((arrival, i) => {
      const workspaces = named[i];
      if (workspaces === undefined || workspaces.some((workspaceId) => wanted.get(workspaceId))) return true;
      arrival.message.ack();
      this.onOutcome('unwanted', type, arrival.events);
      return false;
    });
  }

  /**
   * Leaves out the events the handler does not want: a message left with none is acknowledged at
   * once. When the handler cannot tell (its question failed), every event is kept.
   */
  private async keepWanted(deliveries: Delivery[], wanted: WantedEvents): Promise<Delivery[]> {
    let flags: boolean[];
    try {
      flags = await wanted(deliveries.flatMap((delivery) => delivery.events));
    } catch (error) {
      this.logger.warn({ err: error }, 'could not tell which events the handler wants; applying them all');
      return deliveries;
    }
    let at = 0;
    const kept: Delivery[] = [];
    for (const { message, events } of deliveries) {
      const keep: Array<EventEnvelope<object>> = [];
      for (const event of events) {
        if (flags[at++] === false) this.onOutcome('unwanted', event.type);
        else keep.push(event);
      }
      if (keep.length > 0) kept.push({ message, events: keep });
      else message.ack();
    }
    return kept;
  }

  /**
   * Checks each event of a message; dead-letters at once the message that cannot be read, and each
   * event whose envelope or data breaks its contract, since no retry could change that. Returns the
   * valid events, or nothing when the message is settled already.
   */
  private async prepare(stream: string, type: EventType, arrival: Arrival): Promise<Delivery | undefined> {
    const { message } = arrival;
    const deliveries = message.info.redeliveryCount;
    let items: unknown[];
    try {
      items = readMessage(message.data);
    } catch (error) {
      if (await this.deadLetter(stream, message, undefined, Buffer.from(message.data).toString('utf8'), error, deliveries)) {
        message.term();
      }
      return undefined;
    }
    const events: Array<EventEnvelope<object>> = [];
    let recorded = true;
    for (const item of items) {
      let envelope: EventEnvelope | undefined;
      try {
        envelope = parseEnvelope(item, type);
        events.push(parseEventData(envelope, type));
      } catch (error) {
        recorded = (await this.deadLetter(stream, message, envelope, JSON.stringify(item), error, deliveries)) && recorded;
      }
    }
    if (!recorded) {
      // Not recorded: leave it to JetStream to deliver again rather than lose it.
      message.nak(redeliveryDelayMs(deliveries));
      return undefined;
    }
    if (events.length > 0) return { message, events };
    message.term();
    return undefined;
  }

  /**
   * Applies a message's events one transaction each. The message is acked when every one is applied;
   * otherwise it is delivered again later (the inbox skips what was applied), and after its last
   * allowed delivery the events still failing become dead letters.
   */
  private async handleOneByOne(stream: string, { message, events }: Delivery, consumed: ConsumedType): Promise<void> {
    const deliveries = message.info.redeliveryCount;
    const failures: Array<{ event: EventEnvelope<object>; error: unknown }> = [];
    for (const event of events) {
      await runWithRequestId(event.correlationId, async () => {
        try {
          const [applied] = await this.applyBatch([event], consumed);
          this.onOutcome(applied ? 'applied' : 'duplicate', event.type);
        } catch (error) {
          failures.push({ event, error });
        }
      });
    }
    if (failures.length === 0) {
      message.ack();
      return;
    }
    if (deliveries >= this.settings.maxDeliver) {
      let recorded = true;
      for (const { event, error } of failures) {
        recorded = (await this.deadLetter(stream, message, event, JSON.stringify(event), error, deliveries)) && recorded;
      }
      if (recorded) message.term();
      else message.nak(redeliveryDelayMs(deliveries));
      return;
    }
    const delay = redeliveryDelayMs(deliveries);
    for (const { event, error } of failures) {
      this.logger.warn(
        { err: error, eventId: event.id, type: event.type, deliveries, retryInMs: delay },
        'event handler failed; will retry',
      );
      this.onOutcome('retry', event.type);
    }
    message.nak(delay);
  }

  /**
   * Records the batch in the inbox with one statement, then applies the events seen for the first
   * time, in order. An idempotent handler's events are not recorded: each distinct one is applied.
   */
  private async applyBatch(events: Array<EventEnvelope<object>>, { handler, idempotent }: ConsumedType): Promise<boolean[]> {
    return this.dataSource.transaction(async (manager) => {
      const fresh = idempotent
        ? new Set(events.map((event) => event.id))
        : await this.inbox.record(manager, this.settings.consumer, events);
      // A redelivered copy of an event in the same batch is applied once.
      const applied = events.map((event) => fresh.delete(event.id));
      const toApply = events.filter((_, i) => applied[i]);
      const [first] = toApply;
      if (first) await runWithRequestId(first.correlationId, () => handler(toApply, manager));
      await flushBeforeCommit(manager);
      return applied;
    });
  }

  /** Records a dead letter (the whole message, or one event of it); false when that failed. */
  private async deadLetter(
    stream: string,
    message: JsMsg,
    event: EventEnvelope<object> | undefined,
    payload: string,
    error: unknown,
    deliveries: number,
  ): Promise<boolean> {
    const reason = error instanceof Error ? error.message : String(error);
    try {
      await this.inbox.addDeadLetter({
        consumer: this.settings.consumer,
        stream,
        subject: message.subject,
        eventId: event?.id ?? null,
        payload,
        error: reason.slice(0, 4000),
        deliveries,
      });
      this.onOutcome('dead_letter', event?.type ?? 'unknown');
      this.logger.error({ eventId: event?.id, subject: message.subject, deliveries, reason }, 'event moved to dead letters');
      return true;
    } catch (recordError) {
      this.logger.error({ err: recordError, subject: message.subject }, 'could not record dead letter; event will be redelivered');
      return false;
    }
  }
}

/** Tries of a whole batch that failed on a deadlock or a serialization failure, before one transaction per event. */
const BATCH_ATTEMPTS_ON_CONFLICT = 3;

/** PostgreSQL's deadlock_detected and serialization_failure: the transaction may succeed as it is when tried again. */
function isTransient(error: unknown): boolean {
  const code =
    (error as { driverError?: { code?: unknown }; code?: unknown } | null)?.driverError?.code ?? (error as { code?: unknown } | null)?.code;
  return code === '40P01' || code === '40001';
}
