import type { EventData, EventEnvelope, EventType } from '@leadflow/contracts';
import { runWithRequestId } from '@leadflow/logging';
import { SetMetadata } from '@nestjs/common';
import type { EntityManager } from 'typeorm';

export const CONSUMES_EVENTS = Symbol('CONSUMES_EVENTS');
export const WANTED_EVENTS = Symbol('WANTED_EVENTS');
export const WANTED_WORKSPACES = Symbol('WANTED_WORKSPACES');
export const ONE_EVENT_PER_TRANSACTION = Symbol('ONE_EVENT_PER_TRANSACTION');
export const IDEMPOTENT_HANDLER = Symbol('IDEMPOTENT_HANDLER');
export const ON_DEMAND = Symbol('ON_DEMAND');

/**
 * Events of one type, each seen for the first time (unless the handler is `idempotent`), consecutive
 * in delivery order, with their data validated against the type's class in `EventDataClasses`.
 */
export type EventBatch<T extends EventType> = ReadonlyArray<EventEnvelope<EventData<T>>>;

export type EventBatchHandler<T extends EventType> = (events: EventBatch<T>, manager: EntityManager) => Promise<void>;

/**
 * Marks a provider method as the app's handler of one event type. It receives a batch of events of
 * that type (a batch of one when events are applied one by one) and the EntityManager of the
 * transaction that also records them in the inbox; it does all of its writes through that manager,
 * and must leave the effect of applying the events one after the other.
 */
export function ConsumesEvents<T extends EventType, H extends object = object>(type: T, options: ConsumesEventsOptions<T, H> = {}) {
  return (target: H, method: string | symbol, descriptor: TypedPropertyDescriptor<EventBatchHandler<T>>): void => {
    SetMetadata(CONSUMES_EVENTS, type)(target, method, descriptor);
    if (options.wanted) SetMetadata(WANTED_EVENTS, options.wanted)(target, method, descriptor);
    if (options.wantsWorkspace) SetMetadata(WANTED_WORKSPACES, options.wantsWorkspace)(target, method, descriptor);
    if (options.oneEventPerTransaction) SetMetadata(ONE_EVENT_PER_TRANSACTION, true)(target, method, descriptor);
    if (options.idempotent) SetMetadata(IDEMPOTENT_HANDLER, true)(target, method, descriptor);
    if (options.onDemand) SetMetadata(ON_DEMAND, options.onDemand)(target, method, descriptor);
  };
}

export interface ConsumesEventsOptions<T extends EventType, H extends object> {
  /**
   * Which of the events the handler (`H`, the provider the method belongs to) would have any
   * effect for, asked before the transaction: the others are acknowledged without one and leave no
   * inbox row, since applying them would change nothing. Only for a handler whose effect, if any,
   * is made once whenever it is applied (a redelivered event it did not want may be wanted then).
   */
  wanted?: (handler: H, events: EventBatch<T>) => Promise<boolean[]>;
  /**
   * Whether the handler could want any event of the type from this workspace, asked of a message
   * before it is read, for each workspace its `Lf-Workspaces` header names: a message none of whose
   * workspaces is wanted is acknowledged unread. It must answer true wherever `wanted` could answer
   * true for an event of the workspace; for a handler with a `wanted` only.
   */
  wantsWorkspace?: (handler: H, workspaceId: string, type: T) => Promise<boolean>;
  /**
   * Each event in a transaction of its own, the handler called with batches of one. For events
   * that each lock rows which other transactions lock too: a batch would hold the rows of its first
   * events while it waits for those of the next, out of the order the others take them in, and
   * deadlock with them. Only for rare events: a transaction each costs more than a batch.
   */
  oneEventPerTransaction?: boolean;
  /**
   * The handler applies each event at most once by itself, so its events leave no inbox row. Only
   * for a handler whose every effect is guarded by what the event carries, so that applying it
   * again, even concurrently, changes nothing:
   * - a row inserted under a key the event carries (a lead's id, an activity's id), with nothing
   *   else written for an event whose row exists: an insert-if-absent waits for a concurrent
   *   transaction inserting the same key and then skips it, and a plain insert of an existing key
   *   fails the transaction (its batch is applied again, one event each, and finds the row);
   * - or a write made only over an older time than the event's, under the row's lock (a contact's
   *   stage by the change's time).
   * Such a guard refuses a redelivered event, a copy applied concurrently and a replay under a new
   * event id alike; an inbox row would add a second insert per event for nothing. The handler may
   * then receive an event it has applied before, and every event it receives counts as `applied`
   * in `events_handled_total` (none as `duplicate`).
   */
  idempotent?: boolean;
  /**
   * Whether anything could want an event of the type at all (in any workspace), asked at start and,
   * while nothing does, every few seconds (`MessagingOptions.onDemandCheckMs`) and whenever the app
   * says that what decides it changed (`ConsumerDemand.changed`). Meanwhile the app holds no consumer
   * of the type, so that NATS delivers it nothing; the consumer it then creates delivers every event
   * stored after the last check that found nothing wanted. Only for a handler whose events nothing
   * wants have no effect (see docs/architecture.md, "On-demand consumers").
   */
  onDemand?: (handler: H, type: T) => Promise<boolean>;
}

/** How a consumer asks a handler which events it wants (`ConsumesEventsOptions.wanted`, bound to its provider). */
export type WantedEvents = (events: ReadonlyArray<EventEnvelope<object>>) => Promise<boolean[]>;

/** How a consumer asks a handler whether anything wants its type at all (`ConsumesEventsOptions.onDemand`, bound). */
export type WantedAtAll = () => Promise<boolean>;

/** How a consumer asks a handler whether it wants a workspace's events (`ConsumesEventsOptions.wantsWorkspace`, bound). */
export type WantedWorkspace = (workspaceId: string) => Promise<boolean>;

/**
 * Runs `apply` for each event in turn, each under its own correlation id, so that the logs it
 * writes and the events it causes carry the request of the event that caused them.
 */
export async function forEachEvent<TData extends object>(
  events: ReadonlyArray<EventEnvelope<TData>>,
  apply: (event: EventEnvelope<TData>) => Promise<void>,
): Promise<void> {
  for (const event of events) await runWithRequestId(event.correlationId, () => apply(event));
}
