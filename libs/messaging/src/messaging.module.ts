import { consumedStreams, Conversations, eventConsumerName, type EventType, ownStream, streamOf } from '@leadflow/contracts';
import {
  type BeforeApplicationShutdown,
  type DynamicModule,
  Global,
  Inject,
  Injectable,
  Module,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
  type OnModuleDestroy,
  Optional,
} from '@nestjs/common';
import { DiscoveryModule, DiscoveryService, MetadataScanner } from '@nestjs/core';
import { getDataSourceToken } from '@nestjs/typeorm';
import { APP_LOGGER } from '@leadflow/logging';
import type { Logger } from 'pino';
import { Counter, Gauge, Registry } from 'prom-client';
import type { DataSource } from 'typeorm';
import {
  CONSUMES_EVENTS,
  IDEMPOTENT_HANDLER,
  ON_DEMAND,
  ONE_EVENT_PER_TRANSACTION,
  WANTED_EVENTS,
  WANTED_WORKSPACES,
  type WantedAtAll,
  type WantedEvents,
  type WantedWorkspace,
} from './consumes-events.decorator';
import { ConsumerDemand } from './consumer-demand';
import { type EventHandler, InboxConsumer } from './inbox/inbox-consumer';
import { ensureStream, removeReplacedConsumer } from './jetstream/provisioning';
import { MESSAGING_OPTIONS, type MessagingOptions, natsClientOptions } from './messaging-options';
import { NatsConnection } from './nats-connection';
import { NatsNamespace } from '@leadflow/contracts';
import { Outbox, OutboxCommitSubscriber } from './outbox/outbox';
import { OutboxRelay } from './outbox/outbox-relay';
import { NamespacedNatsClient } from './rpc/namespaced-nats.transport';
import { RPC_TRANSPORT_CLIENT, RpcClient } from './rpc/rpc-client';

/** Owns the app's NATS connection: closed last, after consumers stopped and the outbox flushed. */
@Injectable()
class NatsConnectionLifecycle implements OnApplicationShutdown {
  constructor(private readonly nats: NatsConnection) {}

  async onApplicationShutdown(): Promise<void> {
    await this.nats.close();
  }
}

/** Provisions the streams, runs the outbox relay and the app's event consumers. */
@Injectable()
class MessagingRuntime implements OnApplicationBootstrap, OnModuleDestroy, BeforeApplicationShutdown {
  private consumer: InboxConsumer | undefined;

  constructor(
    @Inject(MESSAGING_OPTIONS) private readonly options: MessagingOptions,
    @Inject(APP_LOGGER) private readonly logger: Logger,
    @Inject(getDataSourceToken()) private readonly dataSource: DataSource,
    private readonly nats: NatsConnection,
    private readonly namespace: NatsNamespace,
    private readonly relay: OutboxRelay,
    private readonly demand: ConsumerDemand,
    private readonly discovery: DiscoveryService,
    private readonly scanner: MetadataScanner,
    @Optional() private readonly registry?: Registry,
  ) {}

  private registerMetrics(): (outcome: string, type: string, count?: number) => void {
    if (!this.registry) return () => undefined;
    const relay = this.relay;
    new Gauge({
      name: 'outbox_pending_events',
      help: 'Outbox rows committed but not yet acknowledged by JetStream',
      registers: [this.registry],
      async collect() {
        this.set(await relay.pendingCount().catch(() => -1));
      },
    });
    const outcomes = new Counter({
      name: 'events_handled_total',
      help: 'Events taken from JetStream, by type and outcome (applied, duplicate, unwanted, retry, dead_letter)',
      labelNames: ['type', 'outcome'] as const,
      registers: [this.registry],
    });
    return (outcome, type, count = 1) => outcomes.inc({ type, outcome }, count);
  }

  async onApplicationBootstrap(): Promise<void> {
    // The app's own stream; the ones it consumes are ensured by its consumers.
    const own = ownStream(this.options.service);
    if (own) await ensureStream(this.nats.manager, this.namespace, own, this.options.jetStreamReplicas ?? 1, true);
    this.dataSource.subscribers.push(new OutboxCommitSubscriber(() => this.relay.wake()));
    this.relay.start();
    await this.startConsumers(this.registerMetrics());
  }

  /** First to stop: no new events are taken; those in flight finish. */
  async onModuleDestroy(): Promise<void> {
    await this.consumer?.stop();
  }

  /** Then the outbox is flushed while NATS and the database are still open. */
  async beforeApplicationShutdown(): Promise<void> {
    await this.relay.stop();
  }

  private async startConsumers(onOutcome: (outcome: string, type: string, count?: number) => void): Promise<void> {
    const handlers = new Map<EventType, EventHandler>();
    const wantedBy = new Map<EventType, WantedEvents>();
    const workspacesWantedBy = new Map<EventType, WantedWorkspace>();
    const alone = new Set<EventType>();
    const idempotent = new Set<EventType>();
    const onDemandBy = new Map<EventType, WantedAtAll>();
    for (const wrapper of this.discovery.getProviders()) {
      const instance = wrapper.instance as Record<string, unknown> | undefined;
      if (!instance || typeof instance !== 'object' || wrapper.isNotMetatype) continue;
      const prototype = Object.getPrototypeOf(instance) as object;
      for (const method of this.scanner.getAllMethodNames(prototype)) {
        const fn = instance[method];
        if (typeof fn !== 'function') continue;
        const type = Reflect.getMetadata(CONSUMES_EVENTS, fn) as EventType | undefined;
        if (!type) continue;
        if (handlers.has(type)) throw new Error(`two handlers for ${type} in ${this.options.service}`);
        handlers.set(type, (events, manager) => (fn as EventHandler).call(instance, events, manager));
        const wanted = Reflect.getMetadata(WANTED_EVENTS, fn) as ((handler: object, events: unknown) => Promise<boolean[]>) | undefined;
        if (wanted) wantedBy.set(type, (events) => wanted(instance, events));
        const wantsWorkspace = Reflect.getMetadata(WANTED_WORKSPACES, fn) as
          ((handler: object, workspaceId: string, type: EventType) => Promise<boolean>) | undefined;
        if (wantsWorkspace) workspacesWantedBy.set(type, (workspaceId) => wantsWorkspace(instance, workspaceId, type));
        if (Reflect.getMetadata(ONE_EVENT_PER_TRANSACTION, fn) === true) alone.add(type);
        if (Reflect.getMetadata(IDEMPOTENT_HANDLER, fn) === true) idempotent.add(type);
        const onDemand = Reflect.getMetadata(ON_DEMAND, fn) as ((handler: object, type: EventType) => Promise<boolean>) | undefined;
        if (onDemand) onDemandBy.set(type, () => onDemand(instance, type));
      }
    }
    await this.removeRetiredConsumers();
    if (handlers.size === 0) return;
    const service = this.options.service;
    const allowed: readonly EventType[] = Conversations.consumes[service];
    const undeclared = [...handlers.keys()].filter((type) => !allowed.includes(type));
    if (undeclared.length > 0) {
      // NATS would refuse the consumer anyway; say why at start-up instead.
      throw new Error(`${service} handles ${undeclared.join(', ')}, which Conversations.consumes does not list for it`);
    }
    this.consumer = new InboxConsumer(
      this.dataSource,
      this.nats.jetstream,
      this.nats.manager,
      this.namespace,
      this.logger,
      {
        consumer: service,
        ackWaitSeconds: this.options.eventAckWaitSeconds,
        maxDeliver: this.options.eventMaxDeliver,
        batchSize: this.options.eventBatchSize ?? 1000,
        batchIntervalMs: this.options.eventBatchIntervalMs ?? 0,
        jetStreamReplicas: this.options.jetStreamReplicas ?? 1,
        onDemandCheckMs: this.options.onDemandCheckMs,
        idleConsumerMinAgeMs: this.options.idleConsumerMinAgeMs,
      },
      onOutcome,
      this.demand,
    );
    // The app's one durable per stream of earlier releases: its per-type successors start where it
    // stopped, and it is removed once they all exist.
    const legacy = this.namespace.durable(service);
    for (const { stream, types } of consumedStreams(service)) {
      for (const type of types) {
        const handler = handlers.get(type);
        if (!handler) continue;
        await this.consumer.start(stream, {
          type,
          durable: this.namespace.durable(eventConsumerName(service, type)),
          replaces: legacy,
          handler,
          wanted: wantedBy.get(type),
          wantsWorkspace: workspacesWantedBy.get(type),
          oneEventPerTransaction: alone.has(type),
          idempotent: idempotent.has(type),
          wantedAtAll: onDemandBy.get(type),
        });
      }
      if (await removeReplacedConsumer(this.nats.manager, this.namespace.stream(stream.name), legacy)) {
        this.logger.info({ stream: stream.name, durable: legacy }, 'removed the stream’s former consumer; per-type consumers took over');
      }
    }
  }

  /** Deletes the app's durables for the event types it no longer consumes (`Conversations.retired`). */
  private async removeRetiredConsumers(): Promise<void> {
    const service = this.options.service;
    for (const type of Conversations.retired[service] as readonly EventType[]) {
      const stream = this.namespace.stream(streamOf(type).name);
      const durable = this.namespace.durable(eventConsumerName(service, type));
      if (await removeReplacedConsumer(this.nats.manager, stream, durable)) {
        this.logger.info({ stream, durable, type }, 'removed the durable of an event type this app no longer consumes');
      }
    }
  }
}

/**
 * NATS for one app: the request/reply client, the JetStream connection, the transactional outbox
 * with its relay, and the idempotent consumers of `@ConsumesEvents` methods.
 */
@Global()
@Module({})
export class MessagingModule {
  static forRoot(options: MessagingOptions): DynamicModule {
    const namespace = new NatsNamespace(options.namespace);
    return {
      module: MessagingModule,
      imports: [DiscoveryModule],
      providers: [
        { provide: MESSAGING_OPTIONS, useValue: options },
        { provide: NatsNamespace, useValue: namespace },
        { provide: NatsConnection, useFactory: () => NatsConnection.open(options, `${options.service}-${process.pid}`) },
        {
          provide: RPC_TRANSPORT_CLIENT,
          useFactory: () => new NamespacedNatsClient(natsClientOptions(options, `${options.service}-rpc-${process.pid}`), namespace),
        },
        {
          provide: Outbox,
          inject: [getDataSourceToken(), OutboxRelay],
          useFactory: (dataSource: DataSource, relay: OutboxRelay) => new Outbox(dataSource, options.service, () => relay.wake()),
        },
        {
          provide: OutboxRelay,
          inject: [getDataSourceToken(), NatsConnection, APP_LOGGER],
          useFactory: (dataSource: DataSource, nats: NatsConnection, logger: Logger) =>
            new OutboxRelay(dataSource, nats.jetstream, namespace, logger.child({ component: 'outbox-relay' }), {
              pollIntervalMs: options.outboxPollIntervalMs,
              minBatchIntervalMs: options.outboxBatchIntervalMs,
            }),
        },
        RpcClient,
        ConsumerDemand,
        NatsConnectionLifecycle,
        MessagingRuntime,
      ],
      exports: [MESSAGING_OPTIONS, NatsNamespace, NatsConnection, RpcClient, Outbox, OutboxRelay, ConsumerDemand],
    };
  }
}
