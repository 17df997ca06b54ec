import { ShortMemo } from './short-memo';

describe('ShortMemo', () => {
  afterEach(() => jest.useRealTimers());

  it('loads a key once while its answer lives, and again after its lifetime', async () => {
    jest.useFakeTimers({ now: 0 });
    const memo = new ShortMemo<number>(1000);
    let loads = 0;
    const load = () => Promise.resolve(++loads);
    expect(await Promise.all([memo.get('a', load), memo.get('a', load)])).toEqual([1, 1]);
    jest.setSystemTime(999);
    expect(await memo.get('a', load)).toBe(1);
    jest.setSystemTime(1000);
    expect(await memo.get('a', load)).toBe(2);
    expect(await memo.get('b', load)).toBe(3);
  });

  it('keeps no failure, and loads again a key it was told to forget', async () => {
    const memo = new ShortMemo<string>(60_000);
    await expect(memo.get('a', () => Promise.reject(new Error('down')))).rejects.toThrow('down');
    expect(await memo.get('a', () => Promise.resolve('up'))).toBe('up');
    memo.forget('a');
    expect(await memo.get('a', () => Promise.resolve('changed'))).toBe('changed');
  });

  it('starts afresh when it holds its most keys', async () => {
    const memo = new ShortMemo<string>(60_000, 2);
    await memo.get('a', () => Promise.resolve('a1'));
    await memo.get('b', () => Promise.resolve('b1'));
    await memo.get('c', () => Promise.resolve('c1'));
    expect(await memo.get('a', () => Promise.resolve('a2'))).toBe('a2');
  });
});
