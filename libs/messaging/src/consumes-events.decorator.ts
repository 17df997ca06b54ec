import type { EventData, EventEnvelope, EventType } from '@leadflow/contracts';
import { runWithRequestId } from '@leadflow/logging';
import { SetMetadata } from '@nestjs/common';
import type { EntityManager } from 'typeorm';

export const CONSUMES_EVENTS = Symbol('CONSUMES_EVENTS');

/**
 * Events of one type, each seen for the first time, consecutive in delivery order, with their data
 * validated against the type's class in `EventDataClasses`.
 */
export type EventBatch<T extends EventType> = ReadonlyArray<EventEnvelope<EventData<T>>>;

export type EventBatchHandler<T extends EventType> = (events: EventBatch<T>, manager: EntityManager) => Promise<void>;

/**
 * Marks a provider method as the app's handler of one event type. It receives a batch of events of
 * that type (a batch of one when events are applied one by one) and the EntityManager of the
 * transaction that also records them in the inbox; it does all of its writes through that manager,
 * and must leave the effect of applying the events one after the other.
 */
export function ConsumesEvents<T extends EventType>(type: T) {
  return (target: object, method: string | symbol, descriptor: TypedPropertyDescriptor<EventBatchHandler<T>>): void => {
    SetMetadata(CONSUMES_EVENTS, type)(target, method, descriptor);
  };
}

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
