import { normalizeIp } from './ip';

describe('normalizeIp', () => {
  it.each([
    ['203.0.113.7', '203.0.113.7'],
    [' 10.0.0.1 ', '10.0.0.1'],
    ['2001:DB8::1', '2001:db8::1'],
    ['2001:0db8:0000:0000:0000:0000:0000:0001', '2001:db8::1'],
    ['::1', '::1'],
    ['fe80::1%eth0', 'fe80::1'],
    ['::ffff:203.0.113.7', '203.0.113.7'],
    ['::FFFF:cb00:7107', '203.0.113.7'],
    ['0:0:0:0:0:ffff:10.0.0.1', '10.0.0.1'],
  ])('reads %j as %s', (input, expected) => {
    expect(normalizeIp(input)).toBe(expected);
  });

  it.each(['', 'localhost', '256.1.1.1', '1.2.3', '01.2.3.4', '1.2.3.4:8080', '[::1]', '1.2.3.4, 5.6.7.8', '2001:db8::g'])(
    'finds no IP address in %j',
    (input) => {
      expect(normalizeIp(input)).toBeNull();
    },
  );

  it('finds no IP address in a 1 MB string', () => {
    expect(normalizeIp('1.2.3.4'.repeat(150_000))).toBeNull();
  });
});
