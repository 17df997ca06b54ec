import type { EventType } from '@leadflow/contracts';
import { SetMetadata } from '@nestjs/common';

export const HANDLES_EVENT = Symbol('HANDLES_EVENT');

/**
 * Marks a provider method as the app's handler of one event type. The method receives the event
 * and the EntityManager of the transaction that also records the event in the inbox; it must do
 * all of its writes through that manager.
 */
export const HandlesEvent = (type: EventType): MethodDecorator => SetMetadata(HANDLES_EVENT, type);
