import { type StreamDefinition } from '@leadflow/contracts';
import {
  AckPolicy,
  type ConsumerInfo,
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
  /**
   * For an on-demand type: where a missing consumer starts (after this stream sequence, the last
   * one stored before a check of the type), instead of at the start of the stream.
   */
  startAfter?: number;
  /**
   * Also replace an idle consumer (see `isIdle`) by one starting after `startAfter`: for a type
   * wanted again after a check that found nothing wanted, so that what was stored before that check
   * is not delivered.
   */
  replaceIdle?: boolean;
}

/**
 * A consumer no replica consumes: no pull request waiting, nothing unacknowledged, and older than
 * `minAgeMs` (a consumer another replica has just created has no pull request yet).
 */
export function isIdle(consumer: ConsumerInfo, minAgeMs: number): boolean {
  return consumer.num_waiting === 0 && consumer.num_ack_pending === 0 && Date.now() - Date.parse(consumer.created) >= minAgeMs;
}

/** How old a consumer must be before an on-demand type's check may take it as idle. */
export const IDLE_CONSUMER_MIN_AGE_MS = 60_000;

/**
 * One durable pull consumer per (consuming app, event type), shared by the app's replicas and
 * filtered on the type's subject, so that an app is delivered only what it handles, on any server
 * version. JetStream redelivers without limit: the consumer itself moves an event to its dead
 * letters after its last allowed delivery, so an event is never dropped without a record.
 */
export async function ensureDurableConsumer(
  manager: JetStreamManager,
  stream: string,
  settings: DurableConsumerSettings,
  idleMinAgeMs = IDLE_CONSUMER_MIN_AGE_MS,
): Promise<void> {
  const limits = { ack_wait: nanos(settings.ackWaitSeconds * 1000), max_ack_pending: settings.maxAckPending };
  const existing = await findConsumer(manager, stream, settings.durable);
  if (existing && (!settings.replaceIdle || !isIdle(existing, idleMinAgeMs))) {
    await manager.consumers.update(stream, settings.durable, limits);
    return;
  }
  if (existing) await removeReplacedConsumer(manager, stream, settings.durable);
  const start =
    settings.startAfter ??
    (settings.replaces === undefined ? undefined : (await findConsumer(manager, stream, settings.replaces))?.ack_floor.stream_seq);
  try {
    await manager.consumers.add(stream, {
      durable_name: settings.durable,
      ack_policy: AckPolicy.Explicit,
      ...(start === undefined
        ? { deliver_policy: DeliverPolicy.All }
        : { deliver_policy: DeliverPolicy.StartSequence, opt_start_seq: start + 1 }),
      ...limits,
      max_deliver: -1,
      filter_subject: settings.subject,
    });
  } catch (error) {
    // Another replica of an on-demand type created it meanwhile, from its own check: share it.
    if (settings.startAfter === undefined || !(await findConsumer(manager, stream, settings.durable))) throw error;
  }
}

/** Deletes an idle durable consumer (see `isIdle`); true when it did. */
export async function removeIdleConsumer(
  manager: JetStreamManager,
  stream: string,
  durable: string,
  idleMinAgeMs = IDLE_CONSUMER_MIN_AGE_MS,
): Promise<boolean> {
  const existing = await findConsumer(manager, stream, durable);
  return existing !== undefined && isIdle(existing, idleMinAgeMs) && removeReplacedConsumer(manager, stream, durable);
}

/** A durable consumer's state, or undefined when it does not exist. */
async function findConsumer(manager: JetStreamManager, stream: string, durable: string): Promise<ConsumerInfo | undefined> {
  try {
    return await manager.consumers.info(stream, durable);
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
