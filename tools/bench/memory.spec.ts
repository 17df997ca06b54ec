import { residentMiB } from './memory';

describe('residentMiB', () => {
  it('reads VmRSS from /proc/<pid>/status in MiB', () => {
    const status = 'Name:\tnode\nVmPeak:\t 1200000 kB\nVmRSS:\t  153600 kB\nRssAnon:\t  100000 kB\n';
    expect(residentMiB(status)).toBe(150);
  });

  it('gives nothing for a process without a resident set (a zombie)', () => {
    expect(residentMiB('Name:\tnode\nState:\tZ (zombie)\n')).toBeUndefined();
  });
});
