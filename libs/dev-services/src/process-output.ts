/** Reading a child's output line by line, and keeping its last lines for error messages. */
import type { Readable } from 'node:stream';

/** Calls `onLine` for each complete line written to `stream`, and for a last unterminated one at its end. */
export function forEachLine(stream: Readable | null, onLine: (line: string) => void): void {
  if (!stream) return;
  const splitter = new LineSplitter(onLine);
  stream.setEncoding('utf8');
  stream.on('data', (chunk: string) => splitter.push(chunk));
  stream.on('end', () => splitter.flush());
}

/** Splits a stream of text chunks into lines (without their `\n` or `\r\n`). */
export class LineSplitter {
  private pending = '';

  constructor(private readonly onLine: (line: string) => void) {}

  push(chunk: string): void {
    const parts = (this.pending + chunk).split('\n');
    this.pending = parts.pop() ?? '';
    for (const part of parts) this.onLine(part.endsWith('\r') ? part.slice(0, -1) : part);
  }

  flush(): void {
    if (this.pending.length > 0) this.onLine(this.pending);
    this.pending = '';
  }
}

/** The last `capacity` lines seen. */
export class LineTail {
  private readonly lines: string[] = [];

  constructor(private readonly capacity = 40) {}

  add(line: string): void {
    this.lines.push(line);
    if (this.lines.length > this.capacity) this.lines.shift();
  }

  /** The kept lines, indented, for the end of an error message; a placeholder when there are none. */
  toString(): string {
    return this.lines.length > 0 ? this.lines.map((line) => `    ${line}`).join('\n') : '    (no output)';
  }
}
