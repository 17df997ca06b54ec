import { ClientNats, type NatsOptions, ServerNats } from '@nestjs/microservices';
import type { Msg, MsgHdrs, NatsConnection, NatsError, Subscription } from 'nats';
import type { Logger } from 'pino';
import { acceptRequestId, REQUEST_ID_HEADER, runWithRequestId } from '@leadflow/logging';
import type { NatsNamespace } from '@leadflow/contracts';

export type NatsTransportOptions = Required<NatsOptions>['options'];
type SubscriptionCallback = (error: NatsError | null, message: Msg) => void;

/**
 * Nest's NATS server with the deployment namespace applied to every subscribed subject, each
 * request handled inside the caller's `x-request-id`, and a graceful close: stop taking requests,
 * let the ones in flight answer, then close the connection.
 */
export class NamespacedNatsServer extends ServerNats {
  private readonly ownSubscriptions: Subscription[] = [];
  private inFlight = 0;
  private onIdle: (() => void) | undefined;

  constructor(
    private readonly transportOptions: NatsTransportOptions,
    private readonly namespace: NatsNamespace,
    private readonly log: Pick<Logger, 'debug'>,
    private readonly drainTimeoutMs = 5000,
  ) {
    super(transportOptions);
  }

  /** Handlers stay keyed by their plain pattern; only the subscribed subject carries the namespace. */
  override bindEvents(client: NatsConnection): void {
    for (const [channel, handler] of this.messageHandlers) {
      const queue = (handler.extras?.queue as string | undefined) ?? this.transportOptions.queue;
      const callback = this.getMessageHandler(channel).bind(this) as SubscriptionCallback;
      this.ownSubscriptions.push(client.subscribe(this.namespace.subject(channel), { queue, callback }));
    }
  }

  override async handleMessage(channel: string, message: Msg): Promise<unknown> {
    this.inFlight += 1;
    const requestId = acceptRequestId(message.headers?.get(REQUEST_ID_HEADER) || undefined);
    const started = Date.now();
    try {
      return await runWithRequestId(requestId, async () => {
        const result = await super.handleMessage(channel, message);
        this.log.debug({ subject: channel, ms: Date.now() - started }, 'rpc handled');
        return result;
      });
    } finally {
      // The reply goes out after the handler's observable completes; give it a turn of the loop.
      setImmediate(() => {
        this.inFlight -= 1;
        if (this.inFlight === 0) this.onIdle?.();
      });
    }
  }

  override async close(): Promise<void> {
    for (const subscription of this.ownSubscriptions.splice(0)) subscription.unsubscribe();
    if (this.inFlight > 0) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, this.drainTimeoutMs);
        this.onIdle = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
    await super.close();
  }
}

/**
 * Nest's NATS client (its connection, options and status), asked through `request` with the
 * deployment namespace applied to every subject. It tracks the connection, so that callers can fail
 * fast while NATS is away instead of waiting out a timeout.
 */
export class NamespacedNatsClient extends ClientNats {
  private connectionLost = false;
  private lastPacketId = 0;

  constructor(
    options: NatsTransportOptions,
    private readonly namespace: NatsNamespace,
  ) {
    super(options);
    // NatsStatus is a const enum, which per-file compilation cannot inline: compare its values.
    this.status.subscribe((status: string) => {
      this.connectionLost = status === 'disconnected' || status === 'reconnecting';
    });
  }

  /** True between a lost connection and the reconnect. */
  get isDisconnected(): boolean {
    return this.connectionLost;
  }

  /**
   * One request in the packet Nest's NATS server reads (`{pattern, data, id}`), through the
   * connection's one shared reply subscription (nats.js' `request`) instead of Nest's subscription
   * per request and its observable; resolves to the reply's `response`, or rejects with its `err`
   * (what the handler threw) or the NATS client's error (a timeout, no responders).
   */
  async request(pattern: string, data: unknown, headers: MsgHdrs, timeoutMs: number): Promise<unknown> {
    const connection = (await this.connect()) as NatsConnection;
    this.lastPacketId += 1;
    const packet = JSON.stringify({ pattern, data, id: String(this.lastPacketId) });
    const reply = await connection.request(this.namespace.subject(pattern), Buffer.from(packet, 'utf8'), { timeout: timeoutMs, headers });
    const { err, response } = reply.json<{ err?: unknown; response?: unknown }>();
    if (err !== undefined && err !== null) throw err;
    return response;
  }
}
