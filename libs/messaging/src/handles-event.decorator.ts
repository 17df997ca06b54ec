import type { EventType } from '@leadflow/contracts';
import { SetMetadata } from '@nestjs/common';

export const HANDLES_EVENT = Symbol('HANDLES_EVENT');
export const HANDLES_EVENTS = Symbol('HANDLES_EVENTS');

/**
 * Marks a provider method as the app's handler of one event type. The method receives the event
 * and the EntityManager of the transaction that also records the event in the inbox; it must do
 * all of its writes through that manager.
 */
export const HandlesEvent = (type: EventType): MethodDecorator => SetMetadata(HANDLES_EVENT, type);

/**
 * Like `HandlesEvent`, for a handler that applies several events of its type at once: it receives
 * consecutive events of that type from one batch (each seen for the first time, in delivery order)
 * and must leave the effect of applying them one after the other. The events may carry different
 * correlation ids, so it passes each event's own to the events it causes.
 */
export const HandlesEvents = (type: EventType): MethodDecorator => SetMetadata(HANDLES_EVENTS, type);
