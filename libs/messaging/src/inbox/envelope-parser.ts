import { type EventData, EventDataClasses, EventEnvelope, type EventType, InvalidEnvelopeError, passesRules } from '@leadflow/contracts';
import { type RetryPolicy, retryDelayMs } from '@leadflow/jobs';
import { validateSync, type ValidationError, type ValidatorOptions } from 'class-validator';

/** An event whose data breaks its type's contract: it can never be applied, so it is not retried. */
export class InvalidEventDataError extends InvalidEnvelopeError {}

// Unknown fields are let through (a producer may add one before its consumers know it); the
// rejected values are left out of the errors, which only need the messages.
const DATA_VALIDATION: ValidatorOptions = { whitelist: false, validationError: { target: false, value: false } };

/** Validates one event as received; the subject it came on must match its type. */
export function parseEnvelope(plain: unknown, type: string | undefined): EventEnvelope {
  if (typeof plain !== 'object' || plain === null || Array.isArray(plain)) throw new InvalidEnvelopeError('event is not a JSON object');
  const envelope = instanceOf(EventEnvelope, plain);
  const errors = passesRules(envelope) ? [] : validateSync(envelope);
  if (errors.length > 0) {
    const fields = errors.map((e) => e.property).join(', ');
    throw new InvalidEnvelopeError(`invalid event envelope: ${fields}`);
  }
  if (type !== undefined && envelope.type !== type) {
    throw new InvalidEnvelopeError(`event of type ${envelope.type} arrived on subject ${type}`);
  }
  return envelope;
}

/**
 * The envelope with its data checked against, and turned into an instance of, the class its type
 * has in `EventDataClasses`. Throws an `InvalidEventDataError` naming every offending field.
 */
export function parseEventData<T extends EventType>(envelope: EventEnvelope, type: T): EventEnvelope<EventData<T>> {
  const data = instanceOf(EventDataClasses[type] as new () => EventData<T>, envelope.data);
  const errors = passesRules(data) ? [] : validateSync(data, DATA_VALIDATION);
  if (errors.length > 0) throw new InvalidEventDataError(errors.flatMap(messagesOf).join('; '));
  return { ...envelope, data };
}

/**
 * The parsed JSON as an instance of a contract class, for class-validator to find its rules. The
 * contract classes are flat and declare no transformations, so the object's own fields are taken
 * as they are: class-transformer's plainToInstance did the same at several times the cost, on a
 * path every event takes.
 */
function instanceOf<T extends object>(type: new () => T, plain: object): T {
  return Object.assign(Object.create(type.prototype) as T, plain);
}

function messagesOf(error: ValidationError): string[] {
  // Each message starts with the property's name; `data.` says where it sits in the event.
  return Object.values(error.constraints ?? {}).map((message) => `data.${message}`);
}

const REDELIVERY: RetryPolicy = { baseDelayMs: 1000, maxDelayMs: 60_000, jitter: 0 };

/** Delay before the next delivery of a failed event: 1 s, doubling, at most a minute (the jobs' backoff rule). */
export function redeliveryDelayMs(deliveries: number): number {
  return retryDelayMs(deliveries, REDELIVERY);
}
