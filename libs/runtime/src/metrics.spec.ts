import { Registry } from 'prom-client';
import { createMetricsRegistry, EVENT_LOOP_SAMPLE_MS, eventLoopDelayGauges } from './metrics';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The value of one unlabelled-or-service-labelled gauge in a scrape. */
function gauge(text: string, name: string): number {
  const match = new RegExp(`^${name}(?:\\{[^}]*\\})? (\\S+)$`, 'm').exec(text);
  if (!match?.[1]) throw new Error(`${name} is not in the scrape`);
  return Number(match[1]);
}

/** Keeps the event loop busy for `ms` without yielding. */
function block(ms: number): void {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    // busy
  }
}

describe('createMetricsRegistry', () => {
  it('labels every metric with the service and keeps the default process metrics and one set of event-loop delay gauges', async () => {
    const registry = createMetricsRegistry('metrics-spec');
    const text = await registry.metrics();
    expect(text).toMatch(/^process_cpu_user_seconds_total\{service="metrics-spec"\} \d/m);
    expect(text).toMatch(/^nodejs_eventloop_lag_seconds\{service="metrics-spec"\} /m);
    expect(text.match(/^nodejs_eventloop_lag_p99_seconds\{service="metrics-spec"\} /gm)).toHaveLength(1);
    expect(text.match(/^# HELP nodejs_eventloop_lag_p99_seconds .*beyond the 100 ms sampling interval/gm)).toHaveLength(1);
    registry.clear();
  });
});

describe('eventLoopDelayGauges', () => {
  it('reads about 0 on an idle loop: the sampling interval is not counted as delay', async () => {
    const registry = new Registry();
    eventLoopDelayGauges(registry, EVENT_LOOP_SAMPLE_MS);
    await sleep(EVENT_LOOP_SAMPLE_MS * 6);
    const text = await registry.metrics();
    // Raw, the samples are the interval itself: 0.1 s.
    expect(gauge(text, 'nodejs_eventloop_lag_p50_seconds')).toBeLessThan(0.05);
    expect(gauge(text, 'nodejs_eventloop_lag_min_seconds')).toBeLessThan(0.05);
  });

  it('reports a blocked loop as delay, then starts over at the next scrape', async () => {
    const registry = new Registry();
    eventLoopDelayGauges(registry, 20);
    await sleep(100);
    block(400);
    await sleep(100);
    const blocked = await registry.metrics();
    expect(gauge(blocked, 'nodejs_eventloop_lag_max_seconds')).toBeGreaterThanOrEqual(0.3);
    expect(gauge(blocked, 'nodejs_eventloop_lag_max_seconds')).toBeLessThan(1);
    expect(gauge(blocked, 'nodejs_eventloop_lag_p99_seconds')).toBeGreaterThanOrEqual(0.3);
    await sleep(200);
    const after = await registry.metrics();
    expect(gauge(after, 'nodejs_eventloop_lag_max_seconds')).toBeLessThan(0.2);
  });

  it('reports 0 before the first sample', async () => {
    const registry = new Registry();
    eventLoopDelayGauges(registry, 60_000);
    const text = await registry.metrics();
    for (const stat of ['min', 'max', 'mean', 'stddev', 'p50', 'p90', 'p99']) {
      expect(gauge(text, `nodejs_eventloop_lag_${stat}_seconds`)).toBe(0);
    }
  });
});
