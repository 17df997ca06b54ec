import type { DrainResult } from './drain';
import type { LoadResult } from './load';
import { cpuLines, judge, type ReportInput } from './report';

const noWrites = { tables: [], walRecords: 0, walBytes: 0, walFullPageImages: 0, walSyncs: 0, commits: 0 };

function load(requestsPerSecond: number, overrides: Partial<LoadResult> = {}): LoadResult {
  const responses = requestsPerSecond * 10;
  return {
    durationS: 10,
    responses,
    requestsPerSecond,
    latencyP50Ms: 5,
    latencyP99Ms: 20,
    latencyMaxMs: 40,
    accepted: responses,
    non2xx: 0,
    errors: 0,
    timeouts: 0,
    statusCodes: { '201': responses },
    startedAt: '2026-01-01T00:00:00.000Z',
    finishedAt: '2026-01-01T00:00:10.000Z',
    ...overrides,
  };
}

function input(platformRps: number, drain: Partial<DrainResult> = {}, platformLoad: Partial<LoadResult> = {}): ReportInput {
  const measured = load(platformRps, platformLoad);
  return {
    runId: 'r1',
    startedAt: '2026-01-01T00:00:00.000Z',
    finishedAt: '2026-01-01T00:01:00.000Z',
    settings: { durationS: 10, connections: 50, warmupS: 0, drainTimeoutS: 120 },
    environment: {
      node: 'v20',
      cpus: 2,
      loadAverageAtStart: 0,
      postgres: 'pg',
      nats: 'nats',
      database: 'lf_bench_r1',
      namespace: 'benchr1',
    },
    baseline: { warmup: null, measured: load(1000), cpu: null, stored: 10_000, writes: noWrites },
    platform: {
      warmup: null,
      measured,
      cpu: null,
      stored: measured.accepted,
      writes: noWrites,
      gc: {},
      drain: {
        accepted: measured.accepted,
        stored: measured.accepted,
        leads: measured.accepted,
        attributed: measured.accepted,
        inFlight: { pending: 0, outboxRows: 0, messages: 0, detail: {} },
        drainedAfterS: 3,
        ...drain,
      },
      crashes: [],
      logs: {},
      memoryMiB: { gateway: 120, ingestion: 110 },
    },
    baselineAfter: null,
  };
}

const cpuOf = (machineMs: number) => ({ windowS: 10, machineMs, processes: [] });

describe('judge', () => {
  it('passes at a third of the baseline with no errors, p99 and drain within their bounds, apps within 200 MiB', () => {
    const report = judge(input(340));
    expect(report.ratio).toBe(0.34);
    expect(report.verdict).toBe('PASS');
  });

  it('fails below a third of the baseline', () => {
    expect(judge(input(320)).verdict).toBe('FAIL');
  });

  it('compares the CPU per lead with the baseline’s per request and fails above 3.5 times', () => {
    const withCpu = (platformMs: number) => {
      const report = input(400);
      return judge({
        ...report,
        // 10,000 baseline requests for 3,000 ms: 300 µs each; 4,000 platform leads.
        baseline: report.baseline && { ...report.baseline, cpu: cpuOf(3000) },
        platform: report.platform && { ...report.platform, cpu: cpuOf(platformMs) },
      });
    };
    const within = withCpu(4000);
    expect(within.cpuRatio).toBeCloseTo(1000 / 300);
    expect(within.checks[0]).toEqual({
      name: 'platform CPU per lead <= 3.5 × baseline CPU per request',
      pass: true,
      detail: '1000 µs / 300 µs = 3.33',
    });
    expect(within.verdict).toBe('PASS');
    expect(withCpu(4400).verdict).toBe('FAIL');
  });

  it('compares with the mean of the baseline’s runs before and after the platform', () => {
    const report = input(340);
    // A machine that slowed down during the bench: 1,000 requests/s before, 800 after.
    const slower = { ...(report.baseline as NonNullable<typeof report.baseline>), measured: load(800), cpu: cpuOf(3750) };
    const judged = judge({ ...report, baseline: report.baseline && { ...report.baseline, cpu: cpuOf(3000) }, baselineAfter: slower });
    expect(judged.ratio).toBeCloseTo(340 / 900);
    expect(judged.checks.find((check) => check.name.startsWith('platform/baseline requests/s'))).toEqual({
      name: 'platform/baseline requests/s >= 0.33',
      pass: true,
      detail: '340 / 900 (the mean of 1000 before and 800 after) = 0.38',
    });
    // 300 µs per request before, 3,750 ms for 8,000 requests after: 468.75 µs; the mean 384.375.
    expect(judged.cpuRatio).toBeNull();
    const withCpu = judge({
      ...report,
      baseline: report.baseline && { ...report.baseline, cpu: cpuOf(3000) },
      platform: report.platform && { ...report.platform, cpu: cpuOf(4000) },
      baselineAfter: slower,
    });
    expect(withCpu.cpuRatio).toBeCloseTo((4000 / 3400) * (1000 / 384.375));
    // With a faster second run (1,100 requests/s) the mean, 1,050, puts 340 under a third.
    expect(judge({ ...report, baselineAfter: { ...slower, measured: load(1100) } }).verdict).toBe('FAIL');
  });

  it('fails when the second baseline run has errors', () => {
    const report = input(800);
    const failing = { ...(report.baseline as NonNullable<typeof report.baseline>), measured: load(1000, { errors: 3 }) };
    expect(judge({ ...report, baselineAfter: failing }).checks.find((check) => !check.pass)?.name).toBe(
      'baseline 2: zero errors (warm-up included)',
    );
  });

  it('fails on any answer other than 201', () => {
    const report = judge(input(800, {}, { accepted: 7999, non2xx: 1, statusCodes: { '201': 7999, '503': 1 } }));
    expect(report.checks.find((check) => !check.pass)?.name).toBe('platform: zero errors (warm-up included)');
  });

  it('fails when the pipeline drains late or never, or p99 passes 150 ms', () => {
    expect(judge(input(800, { drainedAfterS: 5.5 })).verdict).toBe('FAIL');
    const behind = judge(
      input(800, {
        drainedAfterS: null,
        leads: 10,
        inFlight: { pending: 2, outboxRows: 0, messages: 2, detail: { 'BENCH_INGESTION/contacts-lead-ingested': 2 } },
      }),
    );
    expect(behind.verdict).toBe('FAIL');
    // The check names where the pipeline stands still.
    expect(behind.checks.find((check) => check.name.startsWith('pipeline drained'))?.detail).toContain(
      '2 in BENCH_INGESTION/contacts-lead-ingested',
    );
    // Counted by metrics, but not all attributed by contacts: not every lead went through the pipeline once.
    const late = judge(input(800, { attributed: 10 }));
    expect(late.checks.find((check) => check.name.startsWith('every acknowledged lead'))).toMatchObject({ pass: false });
    expect(judge(input(800, {}, { latencyP99Ms: 151 })).checks.find((check) => !check.pass)?.name).toBe('platform p99 <= 150 ms');
  });

  it('fails when an app holds more than 200 MiB at the end', () => {
    const report = input(800);
    const judged = judge({ ...report, platform: report.platform && { ...report.platform, memoryMiB: { gateway: 120, metrics: 230 } } });
    expect(judged.checks.find((check) => !check.pass)).toEqual({
      name: 'each app <= 200 MiB resident at the end',
      pass: false,
      detail: 'gateway 120, metrics 230',
    });
  });

  it('does not judge a run of one target that missed nothing', () => {
    expect(judge({ ...input(800), baseline: null }).verdict).toBe('NOT JUDGED');
  });
});

describe('cpuLines', () => {
  it('gives the CPU per acknowledged lead of each process, and how busy the machine was', () => {
    const report = input(800);
    const cpu = {
      windowS: 10,
      machineMs: 16_000,
      processes: [
        { name: 'gateway', ms: 4000 },
        { name: 'postgres: ingestion', ms: 2000 },
        { name: 'idle app', ms: 0 },
        { name: 'other', ms: 10_000 },
      ],
    };
    // 8,000 leads acknowledged in 10 s on 2 CPUs.
    expect(cpuLines({ ...report, platform: report.platform && { ...report.platform, cpu } })).toEqual([
      'CPU per acknowledged lead during the measured load, in µs (2 CPUs):',
      '  platform: 2000 in all, CPUs 80 % busy; gateway 500, postgres: ingestion 250, other 1250',
    ]);
  });

  it('says nothing where the CPU could not be read', () => {
    expect(cpuLines(input(800))).toEqual([]);
  });
});
