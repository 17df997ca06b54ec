/** An event, or a message of events, that cannot be read or breaks the envelope's contract. */
export class InvalidEnvelopeError extends Error {}

/**
 * The events a message carries, unchecked: a JSON array of envelopes (what the outbox relay
 * publishes) or one envelope (what it published before it packed events together).
 */
export function readMessage(bytes: Uint8Array): unknown[] {
  let plain: unknown;
  try {
    plain = JSON.parse(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8'));
  } catch {
    throw new InvalidEnvelopeError('message is not valid JSON');
  }
  if (Array.isArray(plain)) {
    if (plain.length === 0) throw new InvalidEnvelopeError('message carries no event');
    return plain;
  }
  if (typeof plain === 'object' && plain !== null) return [plain];
  throw new InvalidEnvelopeError('message is neither an event nor an array of events');
}
