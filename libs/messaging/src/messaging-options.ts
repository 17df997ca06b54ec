import type { ServiceName } from '@leadflow/contracts';

export interface MessagingOptions {
  service: ServiceName;
  natsUrl: string;
  namespace: string;
  rpcTimeoutMs: number;
  outboxPollIntervalMs: number;
  eventAckWaitSeconds: number;
  eventMaxDeliver: number;
  /** Events handled at once by one replica. */
  eventConcurrency?: number;
  jetStreamReplicas?: number;
}

export const MESSAGING_OPTIONS = Symbol('MESSAGING_OPTIONS');

export function natsServers(natsUrl: string): string[] {
  return natsUrl
    .split(',')
    .map((url) => url.trim())
    .filter(Boolean);
}
