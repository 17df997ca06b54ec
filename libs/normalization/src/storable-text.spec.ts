import { cutText, shortenText, toStorableText } from './storable-text';

describe('toStorableText', () => {
  it('replaces lone surrogates with U+FFFD and keeps surrogate pairs', () => {
    expect(toStorableText('a\uD800b\uDC00c')).toBe('a\uFFFDb\uFFFDc');
    expect(toStorableText('smile 😀')).toBe('smile 😀');
  });

  it('removes NUL characters wherever they are', () => {
    expect(toStorableText('\u0000an\u0000na\u0000')).toBe('anna');
  });

  it('leaves ordinary text unchanged', () => {
    expect(toStorableText('Zoë Müller, 東京')).toBe('Zoë Müller, 東京');
  });
});

describe('cutText', () => {
  it('keeps text within the limit unchanged', () => {
    expect(cutText('abc', 3)).toBe('abc');
  });

  it('cuts to the limit', () => {
    expect(cutText('abcdef', 4)).toBe('abcd');
  });

  it('never leaves half of a surrogate pair at the end', () => {
    expect(cutText('ab😀', 3)).toBe('ab');
    expect(toStorableText(cutText('ab😀', 3))).toBe('ab');
  });
});

describe('shortenText', () => {
  it('ends shortened text with an ellipsis and stays within the limit', () => {
    const shortened = shortenText('x'.repeat(1000), 100);
    expect(shortened).toHaveLength(100);
    expect(shortened.endsWith('…')).toBe(true);
  });

  it('keeps text within the limit unchanged', () => {
    expect(shortenText('short', 100)).toBe('short');
  });
});
