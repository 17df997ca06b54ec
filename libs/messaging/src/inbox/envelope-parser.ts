import { EventEnvelope } from '@leadflow/contracts';
import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';

export class InvalidEnvelopeError extends Error {}

/** Parses and validates an event as received; the subject it came on must match its type. */
export function parseEnvelope(bytes: Uint8Array, type: string | undefined): EventEnvelope {
  let plain: unknown;
  try {
    plain = JSON.parse(Buffer.from(bytes).toString('utf8'));
  } catch {
    throw new InvalidEnvelopeError('event is not valid JSON');
  }
  if (typeof plain !== 'object' || plain === null || Array.isArray(plain)) throw new InvalidEnvelopeError('event is not a JSON object');
  const envelope = plainToInstance(EventEnvelope, plain);
  const errors = validateSync(envelope);
  if (errors.length > 0) {
    const fields = errors.map((e) => e.property).join(', ');
    throw new InvalidEnvelopeError(`invalid event envelope: ${fields}`);
  }
  if (type !== undefined && envelope.type !== type) {
    throw new InvalidEnvelopeError(`event of type ${envelope.type} arrived on subject ${type}`);
  }
  return envelope;
}

/** Delay before the next delivery of a failed event: 1 s, doubling, at most a minute. */
export function redeliveryDelayMs(deliveries: number): number {
  return Math.min(1000 * 2 ** Math.max(0, deliveries - 1), 60000);
}
