import { type AppException } from '@leadflow/contracts';
import type { FastifyRequest } from 'fastify';
import { etagOf, expectedVersionOf } from './etag-headers';

const withIfMatch = (value?: string | string[]) =>
  ({ headers: value === undefined ? {} : { 'if-match': value } }) as unknown as FastifyRequest;

describe('If-Match and ETags', () => {
  it('writes a version as a strong ETag', () => {
    expect(etagOf(42)).toBe('"42"');
  });

  it('reads the version an If-Match names', () => {
    expect(expectedVersionOf(withIfMatch('"7"'))).toBe(7);
    expect(expectedVersionOf(withIfMatch(' "7" , "8"'))).toBe(7);
  });

  it('takes * as any current version', () => {
    expect(expectedVersionOf(withIfMatch('*'))).toBeNull();
  });

  it.each([undefined, '', '   '])('refuses a change without If-Match (%p) with 428 precondition_required', (value) => {
    expect(() => expectedVersionOf(withIfMatch(value))).toThrow(expect.objectContaining({ code: 'precondition_required' }) as AppException);
  });

  it.each(['W/"7"', '7', '"abc"', '"0"', '"-1"', '"99999999999999999999"'])(
    'reads a weak or malformed tag (%s) as a version no record has, so the write meets 412',
    (value) => {
      expect(expectedVersionOf(withIfMatch(value))).toBe(0);
    },
  );
});
