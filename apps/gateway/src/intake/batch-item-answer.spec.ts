import { ErrorCodes } from '@leadflow/contracts';
import { batchItemAnswer } from './batch-item-answer';

describe('batchItemAnswer', () => {
  it('answers a stored item 201 with its id, receipt time and replay flag, in the order senders read', () => {
    const answer = batchItemAnswer({ index: 0, ok: true, id: 'lead-1', receivedAt: '2026-03-02T10:00:00.000Z', replayed: true });
    expect(JSON.stringify(answer)).toBe('{"index":0,"status":201,"id":"lead-1","receivedAt":"2026-03-02T10:00:00.000Z","replayed":true}');
  });

  it('answers an item that is not a lead 400 invalid_payload', () => {
    const answer = batchItemAnswer({
      index: 3,
      ok: false,
      error: { code: ErrorCodes.invalidPayload, message: '"lead" must be a JSON object' },
    });
    expect(JSON.stringify(answer)).toBe(
      '{"index":3,"status":400,"error":{"code":"invalid_payload","message":"\\"lead\\" must be a JSON object"}}',
    );
  });

  it('answers a key reused with another body 422 idempotency_key_reused', () => {
    const answer = batchItemAnswer({ index: 2, ok: false, error: { code: ErrorCodes.idempotencyKeyReused, message: 'reused' } });
    expect(answer).toEqual({ index: 2, status: 422, error: { code: 'idempotency_key_reused', message: 'reused' } });
  });
});
