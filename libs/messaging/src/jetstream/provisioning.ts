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
  type StreamInfo,
} from 'nats';
import type { NatsNamespace } from '@leadflow/contracts';

const DUPLICATE_WINDOW_MS = 2 * 60 * 1000;
const STREAM_MAX_AGE_MS = 14 * 24 * 60 * 60 * 1000;

function isNotFound(error: unknown): boolean {
  return error instanceof Error && /not found/i.test(error.message);
}

/**
 * Creates the stream when missing; an existing one is left as it is, except that its owner (`owner`)
 * adds the subjects of event types newer than the stream, so that a release publishing a new type
 * does not find its events refused by a stream an earlier release created.
 */
export async function ensureStream(
  manager: JetStreamManager,
  namespace: NatsNamespace,
  definition: StreamDefinition,
  replicas = 1,
  owner = false,
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
  let existing: StreamInfo;
  try {
    existing = await manager.streams.info(name);
  } catch (error) {
    if (!isNotFound(error)) throw error;
    await manager.streams.add(config);
    return name;
  }
  const subjects = existing.config.subjects ?? [];
  const missing = (config.subjects ?? []).filter((subject) => !subjects.includes(subject));
  if (owner && missing.length > 0) await manager.streams.update(name, { ...existing.config, subjects: [...subjects, ...missing] });
  return name;
}

export interface DurableConsumerSettings {
  durable: string;
  ackWaitSeconds: number;
  maxAckPending: number;
  /** The one subject (event type) it delivers. */
  subject: string;
  /**
   * A durable this one takes over from (an app's one consumer per stream, of earlier releases): a
   * new consumer starts after the last event that one had acknowledged rather than at the start of
   * the stream. What lies past that point may have been applied already; the inbox skips it.
   */
  replaces?: string;
}

/**
 * One durable pull consumer per (consuming app, event type), shared by the app's replicas and
 * filtered on the type's subject, so that an app is delivered only what it handles, on any server
 * version. JetStream redelivers without limit: the consumer itself moves an event to its dead
 * letters after its last allowed delivery, so an event is never dropped without a record.
 */
export async function ensureDurableConsumer(manager: JetStreamManager, stream: string, settings: DurableConsumerSettings): Promise<void> {
  try {
    await manager.consumers.info(stream, settings.durable);
    await manager.consumers.update(stream, settings.durable, {
      ack_wait: nanos(settings.ackWaitSeconds * 1000),
      max_ack_pending: settings.maxAckPending,
    });
    return;
  } catch (error) {
    if (!isNotFound(error)) throw error;
  }
  const start = settings.replaces === undefined ? undefined : await ackFloorOf(manager, stream, settings.replaces);
  await manager.consumers.add(stream, {
    durable_name: settings.durable,
    ack_policy: AckPolicy.Explicit,
    ...(start === undefined
      ? { deliver_policy: DeliverPolicy.All }
      : { deliver_policy: DeliverPolicy.StartSequence, opt_start_seq: start + 1 }),
    ack_wait: nanos(settings.ackWaitSeconds * 1000),
    max_deliver: -1,
    max_ack_pending: settings.maxAckPending,
    filter_subject: settings.subject,
  });
}

/** The stream sequence up to which a durable has acknowledged everything, if that durable exists. */
async function ackFloorOf(manager: JetStreamManager, stream: string, durable: string): Promise<number | undefined> {
  try {
    return (await manager.consumers.info(stream, durable)).ack_floor.stream_seq;
  } catch (error) {
    if (isNotFound(error)) return undefined;
    throw error;
  }
}

/** Deletes a durable consumer that others have taken over from; one already gone is fine. */
export async function removeReplacedConsumer(manager: JetStreamManager, stream: string, durable: string): Promise<boolean> {
  try {
    return await manager.consumers.delete(stream, durable);
  } catch (error) {
    if (isNotFound(error)) return false;
    throw error;
  }
}
