import { Histogram, Registry } from 'prom-client';
import { garbageCollectionLines, gcBetween, parseGcMetrics } from './garbage-collection';

/** A scrape as an app's registry writes it: prom-client's histogram by kind, under the app's default label. */
async function scrape(observations: Array<[kind: string, seconds: number]>): Promise<string> {
  const registry = new Registry();
  registry.setDefaultLabels({ service: 'scoring' });
  const histogram = new Histogram({
    name: 'nodejs_gc_duration_seconds',
    help: 'Garbage collection duration by kind, one of major, minor, incremental or weakcb.',
    labelNames: ['kind'],
    buckets: [0.001, 0.01, 0.1, 1, 2, 5],
    registers: [registry],
  });
  for (const [kind, seconds] of observations) histogram.observe({ kind }, seconds);
  new Histogram({ name: 'http_request_duration_seconds', help: 'other', registers: [registry] }).observe(3);
  return registry.metrics();
}

describe('parseGcMetrics', () => {
  it('counts the collections by kind and adds up their pauses', async () => {
    const text = await scrape([
      ['minor', 0.002],
      ['minor', 0.004],
      ['major', 0.02],
      ['incremental', 0.001],
      ['weakcb', 0.0005],
    ]);
    const counts = parseGcMetrics(text);
    expect({ ...counts, pauseMs: Number(counts.pauseMs.toFixed(3)) }).toEqual({ minor: 2, major: 1, incremental: 1, pauseMs: 27.5 });
  });

  it('reads zeros from an app that has not collected yet, and refuses an unreadable figure', async () => {
    expect(parseGcMetrics(await scrape([]))).toEqual({ minor: 0, major: 0, incremental: 0, pauseMs: 0 });
    expect(() => parseGcMetrics('nodejs_gc_duration_seconds_count{kind="minor"} many')).toThrow('unreadable garbage collection figure');
  });
});

describe('gcBetween and garbageCollectionLines', () => {
  const before = new Map([['gateway', { minor: 10, major: 1, incremental: 4, pauseMs: 100 }]]);
  const after = new Map([
    ['gateway', { minor: 58, major: 6, incremental: 24, pauseMs: 1300 }],
    ['metrics', { minor: 30, major: 2, incremental: 8, pauseMs: 500 }],
  ]);

  it('takes what each app collected over the load; an app first read at the end counts from zero', () => {
    expect(gcBetween(before, after)).toEqual({
      gateway: { minor: 48, major: 5, incremental: 20, pauseMs: 1200 },
      metrics: { minor: 30, major: 2, incremental: 8, pauseMs: 500 },
    });
  });

  it('gives each app per 1,000 acknowledged leads', () => {
    expect(garbageCollectionLines(gcBetween(before, after), 10_000)).toEqual([
      'garbage collection per 1,000 leads acknowledged during the measured load (each app’s nodejs_gc_duration_seconds):',
      '  gateway: 4.8 scavenges, 0.50 mark-compacts, 2.0 incremental marking steps; 120 ms of pauses',
      '  metrics: 3.0 scavenges, 0.20 mark-compacts, 0.8 incremental marking steps; 50 ms of pauses',
    ]);
    expect(garbageCollectionLines({}, 10_000)).toEqual([]);
    expect(garbageCollectionLines(null, 10_000)).toEqual([]);
    expect(garbageCollectionLines(gcBetween(before, after), 0)).toEqual([]);
  });
});
