import { decodeCursor, decodeKeysetCursor, encodeKeysetCursor, pageOf } from './pagination';

describe('pageOf', () => {
  const rows = ['0193b0f4-5d2a-7c3e-9a1b-2f4e6d8c0a13', '0193b0f4-5d2a-7c3e-9a1b-2f4e6d8c0a12', '0193b0f4-5d2a-7c3e-9a1b-2f4e6d8c0a11'].map(
    (id) => ({ id }),
  );

  it('keeps `limit` rows and points the cursor after the last one when a row more was read', () => {
    const page = pageOf(rows, 2, (row) => row.id.slice(-2));
    expect(page.items).toEqual(['13', '12']);
    expect(decodeCursor(page.nextCursor ?? '')).toBe(rows[1]?.id);
  });

  it('has no cursor on the last page', () => {
    expect(pageOf(rows, 3, (row) => row.id)).toEqual({ items: rows.map((row) => row.id), nextCursor: null });
    expect(pageOf([], 3, (row: { id: string }) => row.id)).toEqual({ items: [], nextCursor: null });
  });
});

describe('keyset cursors', () => {
  const id = '0190a5b2-0000-7000-8000-000000000002';

  it('carry a sort key and an id there and back', () => {
    expect(decodeKeysetCursor(encodeKeysetCursor('2026-11-30 10:17:46.123456+00', id))).toEqual({
      key: '2026-11-30 10:17:46.123456+00',
      id,
    });
    expect(decodeKeysetCursor(encodeKeysetCursor('', id))).toEqual({ key: '', id });
  });

  it('refuse anything else', () => {
    for (const cursor of [
      'nope',
      Buffer.from('["a","not-a-uuid"]').toString('base64url'),
      Buffer.from('{"a":1}').toString('base64url'),
      '!!',
    ]) {
      expect(decodeKeysetCursor(cursor)).toBeNull();
    }
  });
});
