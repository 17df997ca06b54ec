import { acceptRequestId, currentRequestId, runWithRequestId } from './request-context';

describe('request context', () => {
  it('exposes the request id inside the callback and across awaits, and nothing outside', async () => {
    expect(currentRequestId()).toBeUndefined();
    const seen = await runWithRequestId('req-1', async () => {
      await new Promise((resolve) => setTimeout(resolve, 1));
      return currentRequestId();
    });
    expect(seen).toBe('req-1');
    expect(currentRequestId()).toBeUndefined();
  });

  it('keeps a well-formed caller id and replaces hostile or oversized ones', () => {
    expect(acceptRequestId('abc-123_X.y:z')).toBe('abc-123_X.y:z');
    expect(acceptRequestId(['first-id', 'second'])).toBe('first-id');
    for (const bad of ['', 'has space', 'new\nline', 'x'.repeat(129), '<script>', undefined, 42]) {
      const replaced = acceptRequestId(bad);
      expect(replaced).not.toBe(bad);
      expect(replaced).toMatch(/^[0-9a-f-]{36}$/);
    }
  });
});
