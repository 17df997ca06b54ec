import { DownstreamException } from '@leadflow/contracts';
import { ErrorCode, NatsError } from 'nats';
import { toDownstreamException } from './rpc-client';

describe('toDownstreamException', () => {
  it('turns a missed deadline into unavailable naming the subject', () => {
    // The NATS client's error for a request nobody answered in time.
    const error = toDownstreamException('ingestion.lead.ingest', NatsError.errorForCode(ErrorCode.Timeout), 3000);
    expect(error).toBeInstanceOf(DownstreamException);
    expect(error).toMatchObject({ code: 'unavailable', subject: 'ingestion.lead.ingest' });
    expect(error.message).toBe('ingestion.lead.ingest did not answer within 3000 ms');
  });

  it('keeps the code and message a downstream app answered with, and no HTTP status', () => {
    const error = toDownstreamException('contacts.contact.get', { code: 'not_found', message: 'no contact 42' }, 3000);
    expect(error).toMatchObject({ code: 'not_found', message: 'no contact 42' });
    expect(error.toBody()).toStrictEqual({ code: 'not_found', message: 'no contact 42' });
  });

  it('never lets an unrecognised failure become an opaque internal error', () => {
    for (const raw of [
      'There is no matching message handler defined in the remote service.',
      new Error('CONNECTION_REFUSED'),
      undefined,
      { status: 'error' },
      // The NATS client's own error (no responders) has a code and a message too; it is not a reply.
      Object.assign(new Error('503'), { code: '503' }),
    ]) {
      expect(toDownstreamException('scoring.rules.list', raw, 3000)).toMatchObject({ code: 'unavailable' });
    }
  });
});
