import { NatsNamespace, natsInboxPrefix, type ServiceName } from '@leadflow/contracts';
import type { ConnectionOptions } from 'nats';

export interface MessagingOptions extends NatsClientSettings {
  rpcTimeoutMs: number;
  outboxPollIntervalMs: number;
  /** Least time between the starts of two relay batches (default 0: a commit's wake is served at once). */
  outboxBatchIntervalMs?: number;
  eventAckWaitSeconds: number;
  eventMaxDeliver: number;
  /** Most events one replica applies in one transaction, per event type (default 1000; whole messages, so a packed message may exceed it). */
  eventBatchSize?: number;
  /** Least time between the starts of two batches of one consumer, unless a batch is full (default 0). */
  eventBatchIntervalMs?: number;
  jetStreamReplicas?: number;
  /** How often a consumer of an on-demand event type nothing wants checks again (default 5000 ms; see `ConsumesEventsOptions.onDemand`). */
  onDemandCheckMs?: number;
  /** How old a consumer must be before an on-demand check may take it as idle (default 60 s). */
  idleConsumerMinAgeMs?: number;
}

export const MESSAGING_OPTIONS = Symbol('MESSAGING_OPTIONS');

export function natsServers(natsUrl: string): string[] {
  return natsUrl
    .split(',')
    .map((url) => url.trim())
    .filter(Boolean);
}

/** How one app connects to NATS: the servers, its own user (when the server has users) and its own inbox. */
export interface NatsClientSettings {
  natsUrl: string;
  namespace: string;
  service: ServiceName;
  /** Empty: connect without credentials (a server without users). */
  natsUser?: string;
  natsPassword?: string;
}

/**
 * Connection options shared by an app's three NATS connections (RPC server, RPC client,
 * JetStream): reconnect forever, the app's user, and replies under the app's own inbox prefix,
 * which is all its NATS permissions let it subscribe to besides its own requests.
 */
export function natsClientOptions(settings: NatsClientSettings, name: string): ConnectionOptions {
  const credentials = settings.natsUser ? { user: settings.natsUser, pass: settings.natsPassword ?? '' } : {};
  return {
    servers: natsServers(settings.natsUrl),
    name,
    ...credentials,
    inboxPrefix: natsInboxPrefix(new NatsNamespace(settings.namespace), settings.service),
    maxReconnectAttempts: -1,
    reconnectTimeWait: 500,
    // A stack captured at every publish and request costs more than the publish; a timeout
    // still fails with a NatsError (code TIMEOUT).
    noAsyncTraces: true,
  };
}
