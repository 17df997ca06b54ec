import { randomBytes } from 'node:crypto';
import { decodeBody, encodeBody } from './body-codec';

describe('request body codec', () => {
  it('sends small UTF-8 bodies as text and gets the same bytes back', () => {
    const bytes = Buffer.from('{"email":"ana@example.com","name":"Ana Łukasz 🚀"}');
    const encoded = encodeBody(bytes);
    expect(encoded.encoding).toBe('utf8');
    expect(decodeBody(encoded).equals(bytes)).toBe(true);
  });

  it('compresses bodies that are not valid UTF-8, keeping every byte', () => {
    const bytes = Buffer.from([0x7b, 0xc3, 0x28, 0x7d]);
    const encoded = encodeBody(bytes);
    expect(encoded.encoding).toBe('gzip+base64');
    expect(decodeBody(encoded).equals(bytes)).toBe(true);
  });

  it('compresses a 1 MiB JSON body well below the 1 MiB message limit', () => {
    const bytes = Buffer.from(JSON.stringify({ description: 'lorem ipsum dolor sit amet '.repeat(38000) }).slice(0, 1024 * 1024));
    const encoded = encodeBody(bytes);
    expect(encoded.encoding).toBe('gzip+base64');
    expect(encoded.data.length).toBeLessThan(200 * 1024);
    expect(decodeBody(encoded).equals(bytes)).toBe(true);
  });

  it('round-trips random bytes', () => {
    const bytes = randomBytes(300 * 1024);
    expect(decodeBody(encodeBody(bytes)).equals(bytes)).toBe(true);
  });
});
