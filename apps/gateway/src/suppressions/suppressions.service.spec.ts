import { createHash } from 'node:crypto';
import { hashOf } from './suppressions.service';

const sha256 = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');

describe('hashOf (a suppression request → the identity hash ingestion keeps)', () => {
  it('hashes a clear email as intake normalizes it: sha256 of "email:<trimmed, lower-cased>"', () => {
    expect(hashOf({ email: '  Ana@Example.COM ' })).toEqual({ kind: 'email', hash: sha256('email:ana@example.com') });
  });

  it('hashes a phone in E.164, reading a national number with the country given', () => {
    expect(hashOf({ phone: '0151 1234 5678', country: 'DE' })).toEqual({ kind: 'phone', hash: sha256('phone:+4915112345678') });
    expect(hashOf({ phone: '+49 151 12345678' })).toEqual({ kind: 'phone', hash: sha256('phone:+4915112345678') });
  });

  it('takes a hash with its kind as it is', () => {
    const hash = sha256('email:x@example.com');
    expect(hashOf({ hash, kind: 'email' })).toEqual({ kind: 'email', hash });
  });

  it('refuses anything but exactly one identity, and values that identify nobody, with validation_failed', () => {
    for (const body of [
      {},
      { email: 'a@example.com', phone: '+4915112345678' },
      { hash: 'a'.repeat(64) },
      { email: 'n/a' },
      { phone: '123' },
    ]) {
      expect(() => hashOf(body)).toThrow(expect.objectContaining({ code: 'validation_failed' }));
    }
  });
});
