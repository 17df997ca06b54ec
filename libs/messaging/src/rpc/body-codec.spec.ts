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

  it('keeps every byte of the edge cases of UTF-8: a BOM, surrogates, overlong forms, past U+10FFFF, a cut sequence', () => {
    const cases: Array<[number[], 'utf8' | 'gzip+base64']> = [
      [[0xef, 0xbb, 0xbf, 0x7b, 0x7d], 'utf8'],
      [[0xf0, 0x9f, 0x9a, 0x80], 'utf8'],
      [[0xed, 0xa0, 0x80], 'gzip+base64'],
      [[0xc0, 0x80], 'gzip+base64'],
      [[0xf4, 0x90, 0x80, 0x80], 'gzip+base64'],
      [[0x7b, 0xe2, 0x82], 'gzip+base64'],
      [[0x00, 0x7f], 'utf8'],
    ];
    for (const [list, encoding] of cases) {
      const bytes = Buffer.from(list);
      const encoded = encodeBody(bytes);
      expect([list, encoded.encoding]).toEqual([list, encoding]);
      expect(decodeBody(encoded).equals(bytes)).toBe(true);
    }
  });

  it('round-trips many short random byte strings, text or compressed', () => {
    for (let i = 0; i < 2000; i += 1) {
      const bytes = randomBytes(1 + (i % 12));
      expect(decodeBody(encodeBody(bytes)).equals(bytes)).toBe(true);
    }
  });

  it('round-trips random bytes', () => {
    const bytes = randomBytes(300 * 1024);
    expect(decodeBody(encodeBody(bytes)).equals(bytes)).toBe(true);
  });
});
