import type { ServiceName } from '@leadflow/contracts';

export interface MessagingOptions {
  service: ServiceName;
  natsUrl: string;
  namespace: string;
  rpcTimeoutMs: number;
  outboxPollIntervalMs: number;
  eventAckWaitSeconds: number;
  eventMaxDeliver: number;
  /** Most events one replica applies in one transaction (per stream). */
  eventBatchSize?: number;
  /** How long the first event of a batch waits for others to join it (default 0). */
  eventBatchLingerMs?: number;
  jetStreamReplicas?: number;
}

export const MESSAGING_OPTIONS = Symbol('MESSAGING_OPTIONS');

export function natsServers(natsUrl: string): string[] {
  return natsUrl
    .split(',')
    .map((url) => url.trim())
    .filter(Boolean);
}
