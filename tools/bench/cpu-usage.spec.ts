import { CpuMeter, machineBusyTicks, processTicks, usageBetween } from './cpu-usage';

describe('processTicks', () => {
  it('adds user and system time, whatever the command name holds', () => {
    const stat = '8482 (node (a) b) R 8480 8480 4093 0 -1 4194304 122 0 0 0 731 245 0 0 20 0 11 0 61987 3133440 394';
    expect(processTicks(stat)).toBe(731 + 245);
  });

  it('refuses a line it cannot read', () => {
    expect(() => processTicks('8482 (cat) R')).toThrow('unreadable /proc stat line');
  });
});

describe('machineBusyTicks', () => {
  it('counts user, nice, system, irq, softirq and steal of all CPUs, not idle or I/O wait', () => {
    const procStat = 'cpu  49767 2479 9047 56829 2701 3 2400 21 0 0\ncpu0 1 2 3 4 5 6 7 8 0 0\n';
    expect(machineBusyTicks(procStat)).toBe(49767 + 2479 + 9047 + 3 + 2400 + 21);
  });
});

describe('usageBetween', () => {
  it('gives each group its processes’ time, a process that joined counting from zero, and the rest as other', () => {
    const start = { at: 1000, machine: 100, groups: new Map([['gateway', new Map([[11, 50]])]]) };
    const end = {
      at: 3000,
      machine: 400,
      groups: new Map([
        ['gateway', new Map([[11, 150]])],
        [
          'postgres: gateway',
          new Map([
            [21, 30],
            [22, 20],
          ]),
        ],
      ]),
    };
    expect(usageBetween(start, end)).toEqual({
      windowS: 2,
      machineMs: 3000,
      processes: [
        { name: 'gateway', ms: 1000 },
        { name: 'postgres: gateway', ms: 500 },
        { name: 'other', ms: 1500 },
      ],
    });
  });
});

describe('CpuMeter', () => {
  it('measures this process burning CPU', async () => {
    const meter = await CpuMeter.start(async () => new Map([['bench', [process.pid]]]));
    // Without /proc (not Linux) there is nothing to measure, and the bench says so.
    if (process.platform !== 'linux') return expect(meter).toBeUndefined();
    // Spins until this process has itself used 300 ms of CPU (by Node's own count), however busy
    // the machine is: the meter, reading /proc, must see about as much.
    const before = process.cpuUsage();
    let spins = 0;
    while ((process.cpuUsage(before).user + process.cpuUsage(before).system) / 1000 < 300) spins += 1;
    const usage = await (meter as CpuMeter).stop();
    expect(spins).toBeGreaterThan(0);
    const bench = usage.processes.find((p) => p.name === 'bench');
    expect(bench?.ms).toBeGreaterThanOrEqual(250);
    // The kernel keeps the machine's and a process's counts apart: they may differ by a few ticks.
    expect(usage.machineMs).toBeGreaterThanOrEqual((bench?.ms ?? Infinity) - 50);
  });
});
