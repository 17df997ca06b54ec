import { DownstreamException } from '@leadflow/contracts';
import { TimeoutError } from 'rxjs';
import { toDownstreamException } from './rpc-client';

describe('toDownstreamException', () => {
  it('turns a missed deadline into 503 unavailable naming the subject', () => {
    const error = toDownstreamException('ingestion.lead.ingest', new TimeoutError(), 3000);
    expect(error).toBeInstanceOf(DownstreamException);
    expect(error).toMatchObject({ code: 'unavailable', status: 503, subject: 'ingestion.lead.ingest' });
    expect(error.message).toBe('ingestion.lead.ingest did not answer within 3000 ms');
  });

  it('keeps the code, message and status a downstream app answered with', () => {
    const error = toDownstreamException('contacts.contact.get', { code: 'not_found', message: 'no contact 42', status: 404 }, 3000);
    expect(error).toMatchObject({ code: 'not_found', message: 'no contact 42', status: 404 });
  });

  it('never lets an unrecognised failure become an opaque 500', () => {
    for (const raw of [
      'There is no matching message handler defined in the remote service.',
      new Error('CONNECTION_REFUSED'),
      undefined,
      { status: 'error' },
    ]) {
      expect(toDownstreamException('scoring.rules.list', raw, 3000)).toMatchObject({ code: 'unavailable', status: 503 });
    }
  });
});
