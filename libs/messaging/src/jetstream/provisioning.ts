import { type StreamDefinition } from '@leadflow/contracts';
import {
  AckPolicy,
  DeliverPolicy,
  DiscardPolicy,
  type JetStreamManager,
  nanos,
  RetentionPolicy,
  StorageType,
  type StreamConfig,
} from 'nats';
import type { NatsNamespace } from '@leadflow/contracts';

const DUPLICATE_WINDOW_MS = 2 * 60 * 1000;
const STREAM_MAX_AGE_MS = 14 * 24 * 60 * 60 * 1000;

function isNotFound(error: unknown): boolean {
  return error instanceof Error && /not found/i.test(error.message);
}

/** Creates the stream when missing; an existing one is left as it is (its owner manages it). */
export async function ensureStream(
  manager: JetStreamManager,
  namespace: NatsNamespace,
  definition: StreamDefinition,
  replicas = 1,
): Promise<string> {
  const name = namespace.stream(definition.name);
  const config: Partial<StreamConfig> = {
    name,
    subjects: definition.subjects.map((subject) => namespace.subject(subject)),
    storage: StorageType.File,
    retention: RetentionPolicy.Limits,
    discard: DiscardPolicy.Old,
    num_replicas: replicas,
    duplicate_window: nanos(DUPLICATE_WINDOW_MS),
    max_age: nanos(STREAM_MAX_AGE_MS),
  };
  try {
    await manager.streams.info(name);
  } catch (error) {
    if (!isNotFound(error)) throw error;
    await manager.streams.add(config);
  }
  return name;
}

export interface DurableConsumerSettings {
  durable: string;
  ackWaitSeconds: number;
  maxAckPending: number;
  /** The subjects the app handles; JetStream delivers only these when it can filter on them. */
  subjects: string[];
  /** The server filters on several subjects (NATS 2.10 and later); with one subject, any server does. */
  multipleFilters: boolean;
}

/** The filter a durable consumer gets: its one subject, its subjects, or none (every subject). */
export function consumerFilter(subjects: string[], multipleFilters: boolean): { filter_subject?: string; filter_subjects?: string[] } {
  if (subjects.length === 1) return { filter_subject: subjects[0] };
  if (subjects.length > 1 && multipleFilters) return { filter_subjects: subjects };
  return {};
}

/**
 * One durable pull consumer per (consuming app, stream), shared by the app's replicas, filtered on
 * the subjects the app handles where the server allows (see `consumerFilter`). JetStream
 * redelivers without limit: the consumer itself moves an event to its dead letters after its
 * last allowed delivery, so an event is never dropped without a record.
 */
export async function ensureDurableConsumer(manager: JetStreamManager, stream: string, settings: DurableConsumerSettings): Promise<void> {
  const config = {
    durable_name: settings.durable,
    ack_policy: AckPolicy.Explicit,
    deliver_policy: DeliverPolicy.All,
    ack_wait: nanos(settings.ackWaitSeconds * 1000),
    max_deliver: -1,
    max_ack_pending: settings.maxAckPending,
    ...consumerFilter(settings.subjects, settings.multipleFilters),
  };
  try {
    await manager.consumers.info(stream, settings.durable);
    await manager.consumers.update(stream, settings.durable, {
      ack_wait: config.ack_wait,
      max_ack_pending: config.max_ack_pending,
      ...consumerFilter(settings.subjects, settings.multipleFilters),
    });
  } catch (error) {
    if (!isNotFound(error)) throw error;
    await manager.consumers.add(stream, config);
  }
}

/** Whether a NATS server version ("2.10.4") is at least major.minor. */
export function serverAtLeast(version: string | undefined, major: number, minor: number): boolean {
  const [a, b] = (version ?? '').split('.').map((part) => Number.parseInt(part, 10));
  if (a === undefined || b === undefined || Number.isNaN(a) || Number.isNaN(b)) return false;
  return a > major || (a === major && b >= minor);
}
