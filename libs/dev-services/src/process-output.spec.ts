import { LineSplitter, LineTail } from './process-output';

describe('LineSplitter', () => {
  it('joins lines split across chunks and strips \\r\\n', () => {
    const lines: string[] = [];
    const splitter = new LineSplitter((line) => lines.push(line));
    splitter.push('{"msg":"he');
    splitter.push('llo"}\r\nsecond\nthi');
    expect(lines).toEqual(['{"msg":"hello"}', 'second']);
    splitter.push('rd');
    splitter.flush();
    expect(lines).toEqual(['{"msg":"hello"}', 'second', 'third']);
  });

  it('emits nothing on flush when the last line was complete', () => {
    const lines: string[] = [];
    const splitter = new LineSplitter((line) => lines.push(line));
    splitter.push('only\n');
    splitter.flush();
    expect(lines).toEqual(['only']);
  });
});

describe('LineTail', () => {
  it('keeps the last lines, indented', () => {
    const tail = new LineTail(2);
    ['a', 'b', 'c'].forEach((line) => tail.add(line));
    expect(tail.toString()).toBe('    b\n    c');
  });

  it('says so when there was no output', () => {
    expect(new LineTail().toString()).toBe('    (no output)');
  });
});
