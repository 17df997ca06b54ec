import { type CsvItem, CsvRowReader, MAX_ROW_BYTES, RowTooLargeError } from './csv-rows';

async function readAll(bytes: Buffer, pieceSize: number, startOffset = 0, firstRow = 0): Promise<CsvItem[]> {
  const reader = new CsvRowReader(startOffset, firstRow);
  const items: CsvItem[] = [];
  for (let at = 0; at < bytes.length; at += pieceSize) {
    reader.write(bytes.subarray(at, at + pieceSize));
    items.push(...reader.take());
  }
  await reader.end();
  return [...items, ...reader.take()];
}

const FILE = Buffer.from(
  '\ufeffemail,name,notes\r\n' +
    'a@example.com,"Zoë ""Z"" Smith","multi\nline, with comma"\r\n' +
    'b@example.com,Bo,\r\n' +
    'c@example.com,bad"quote,x\r\n' +
    'd@example.com,Dee,last',
);

describe('reading CSV rows in pieces', () => {
  it.each([1, 2, 3, 7, 64, FILE.length])('reads the same rows whatever the piece size (%i bytes)', async (size) => {
    const items = await readAll(FILE, size);
    expect(items.map((item) => (item.kind === 'record' ? [item.row, item.fields] : [item.row, item.kind]))).toEqual([
      [0, ['email', 'name', 'notes']],
      [1, ['a@example.com', 'Zoë "Z" Smith', 'multi\nline, with comma']],
      [2, ['b@example.com', 'Bo', '']],
      [3, 'broken'],
      [4, ['d@example.com', 'Dee', 'last']],
    ]);
  });

  it('keeps each row as it was in the file', async () => {
    const items = await readAll(FILE, 5);
    expect(items.map((item) => item.raw)).toEqual([
      'email,name,notes',
      'a@example.com,"Zoë ""Z"" Smith","multi\nline, with comma"',
      'b@example.com,Bo,',
      'c@example.com,bad"',
      'd@example.com,Dee,last',
    ]);
  });

  it('gives the byte offset after each record, from which reading again yields the same rows', async () => {
    const items = await readAll(FILE, 4);
    const second = items[1];
    if (second?.kind !== 'record') throw new Error('expected a record');
    const rest = await readAll(FILE.subarray(second.endOffset), 3, second.endOffset, 2);
    expect(rest.map((item) => [item.row, item.kind, item.raw])).toEqual(items.slice(2).map((item) => [item.row, item.kind, item.raw]));
    const last = rest.at(-1);
    expect(last?.kind === 'record' && last.endOffset).toBe(FILE.length);
  });

  it('stops at a row that never ends instead of holding the rest of the file', () => {
    const reader = new CsvRowReader(0, 0);
    reader.write(Buffer.from('email,name\na@example.com,"never closed\n'));
    expect(() => reader.write(Buffer.alloc(MAX_ROW_BYTES, 'x'))).toThrow(RowTooLargeError);
  });
});
