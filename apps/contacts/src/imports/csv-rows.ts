import { type CsvError, type Options, type Parser, parse } from 'csv-parse';

/** One CSV record as read: its fields and where the next record starts, or why it could not be read. */
export type CsvItem =
  | { kind: 'record'; row: number; fields: string[]; raw: string; /** Absolute byte offset after this record. */ endOffset: number }
  | { kind: 'broken'; row: number; code: string; message: string; raw: string };

/** A row longer than this with no end in sight is an unclosed quote swallowing the file: the import stops. */
export const MAX_ROW_BYTES = 1024 * 1024;

export class RowTooLargeError extends Error {
  constructor(readonly row: number) {
    super(`row ${row} is longer than ${MAX_ROW_BYTES} bytes (an unclosed quote?)`);
  }
}

/**
 * Streams CSV bytes into records, numbered in file order, holding at most one row's worth of
 * bytes. It can start at any record boundary (`startOffset`, the row number the next record
 * has): rows cut by chunk boundaries are put together by the parser. Records come out in order,
 * read ones and broken ones (bad quoting) alike, as `take()` hands them over: the parser reports
 * both through synchronous callbacks, so their order is the file's.
 */
export class CsvRowReader {
  private readonly parser: Parser;
  private items: CsvItem[] = [];
  private nextRow: number;
  private written = 0;
  private lastRecordEnd = 0;
  private readonly ended: Promise<void>;

  constructor(
    private readonly startOffset: number,
    firstRow: number,
  ) {
    this.nextRow = firstRow;
    const options: Options = {
      bom: startOffset === 0,
      raw: true,
      relax_column_count: true,
      skip_records_with_error: true,
      record_delimiter: ['\r\n', '\n'],
      // With `raw`, the parser hands each record over as { record, raw }.
      on_record: (record: unknown, context) => {
        const wrapped = record as { record: string[]; raw: string };
        this.lastRecordEnd = context.bytes;
        this.items.push({
          kind: 'record',
          row: this.nextRow++,
          fields: wrapped.record,
          raw: rawLine(wrapped.raw),
          endOffset: this.startOffset + context.bytes,
        });
        return null;
      },
      on_skip: (error: CsvError | undefined, raw: string | undefined) => {
        this.items.push({
          kind: 'broken',
          row: this.nextRow++,
          code: 'invalid_csv',
          message: error?.message ?? 'the row could not be read',
          raw: rawLine(raw ?? ''),
        });
        return undefined;
      },
    };
    this.parser = parse(options);
    this.ended = new Promise<void>((resolve, reject) => {
      this.parser.on('end', resolve);
      this.parser.on('error', reject);
    });
    this.parser.resume();
  }

  /** Parses a chunk; the records it completes are ready for `take`. */
  write(chunk: Buffer): void {
    this.written += chunk.length;
    this.parser.write(chunk);
    if (this.written - this.lastRecordEnd > MAX_ROW_BYTES) throw new RowTooLargeError(this.nextRow);
  }

  /** The end of the file: the last record, even without a final newline. */
  async end(): Promise<void> {
    this.parser.end();
    await this.ended;
  }

  /** The records read since the last call. */
  take(): CsvItem[] {
    const items = this.items;
    this.items = [];
    return items;
  }

  /** How many records are waiting to be taken. */
  get pending(): number {
    return this.items.length;
  }
}

function rawLine(raw: string): string {
  return raw.replace(/\r?\n?$/, '').replace(/\r$/, '');
}
