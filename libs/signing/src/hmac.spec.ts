import { constantTimeEqual, hmacSha256 } from './hmac';

describe('constantTimeEqual', () => {
  const signature = hmacSha256(Buffer.from('key'), 'message');

  it('is true for the same bytes only', () => {
    expect(constantTimeEqual(signature, Buffer.from(signature))).toBe(true);
    const lastByteChanged = Buffer.from(signature);
    lastByteChanged[lastByteChanged.length - 1] ^= 1;
    expect(constantTimeEqual(signature, lastByteChanged)).toBe(false);
  });

  it('is false for a prefix or an extension of the expected bytes, whatever their common part', () => {
    expect(constantTimeEqual(signature, signature.subarray(0, 31))).toBe(false);
    expect(constantTimeEqual(signature, signature.subarray(0, 1))).toBe(false);
    expect(constantTimeEqual(signature, Buffer.alloc(0))).toBe(false);
    expect(constantTimeEqual(signature, Buffer.concat([signature, Buffer.from([0])]))).toBe(false);
  });
});

describe('hmacSha256', () => {
  it('computes RFC 4231 test case 2', () => {
    expect(hmacSha256(Buffer.from('Jefe'), 'what do ya want ', 'for nothing?').toString('hex')).toBe(
      '5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843',
    );
  });
});
