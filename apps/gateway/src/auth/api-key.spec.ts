import { createHash } from 'node:crypto';
import { API_KEY_PATTERN } from '../config/env';
import { describeApiKey, generateApiKey, presentedCredential } from './api-key';

describe('API keys', () => {
  it('generates recognisable keys, each one new, with 240 random bits', () => {
    const live = generateApiKey('live');
    const test = generateApiKey('test');
    expect(live.key).toMatch(/^lf_live_[A-Za-z0-9_-]{40}$/);
    expect(test.key).toMatch(/^lf_test_[A-Za-z0-9_-]{40}$/);
    expect(new Set(Array.from({ length: 200 }, () => generateApiKey('live').key)).size).toBe(200);
    expect(API_KEY_PATTERN.test(live.key)).toBe(true);
  });

  it('keeps a short clear prefix and the SHA-256 of the key, never the key', () => {
    const described = describeApiKey('lf_live_abcdefghijklmnopqrstuvwxyz');
    expect(described.prefix).toBe('lf_live_abcdefgh');
    expect(described.hash).toBe(createHash('sha256').update('lf_live_abcdefghijklmnopqrstuvwxyz').digest('hex'));
  });

  it.each([
    ['lf_live_short', false],
    ['lf_prod_abcdefghijklmnopqrstuvwxyz', false],
    ['lf_test_abcdefghijklmnopqrst uvwxyz', false],
    ['lf_test_abcdefghijklmnopqrstuvwxyz', true],
  ])('accepts %s as a bootstrap key: %s', (key, valid) => {
    expect(API_KEY_PATTERN.test(key)).toBe(valid);
  });

  it.each<[string, Record<string, string | string[] | undefined>, string | undefined]>([
    ['X-Api-Key', { 'x-api-key': ' lf_live_k ' }, 'lf_live_k'],
    ['a bearer token', { authorization: 'Bearer lf_live_k' }, 'lf_live_k'],
    ['a bearer token in any case', { authorization: 'bearer   lf_live_k ' }, 'lf_live_k'],
    ['X-Api-Key before Authorization', { 'x-api-key': 'lf_live_a', authorization: 'Bearer lf_live_b' }, 'lf_live_a'],
    ['basic credentials: the user, as Segment sends its write key', { authorization: 'Basic dXNlcjpwYXNz' }, 'user'],
    [
      'basic credentials with a write key and no password',
      { authorization: `Basic ${Buffer.from('lf_live_w:').toString('base64')}` },
      'lf_live_w',
    ],
    ['basic credentials without a user', { authorization: `Basic ${Buffer.from(':secret').toString('base64')}` }, undefined],
    ['two words after Bearer', { authorization: 'Bearer a b' }, undefined],
    ['an empty X-Api-Key', { 'x-api-key': '  ' }, undefined],
    ['nothing', {}, undefined],
  ])('reads the credential from %s', (_name, headers, expected) => {
    expect(presentedCredential(headers)).toBe(expected);
  });
});
