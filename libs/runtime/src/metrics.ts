import { monitorEventLoopDelay } from 'node:perf_hooks';
import { METRICS_PATH } from '@leadflow/contracts';
import { Controller, Get, Header, Injectable } from '@nestjs/common';
import { collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';

/** How often the event loop's delay is sampled, in milliseconds. */
export const EVENT_LOOP_SAMPLE_MS = 100;

/**
 * The delay gauges prom-client derives from its own event-loop histogram; each app exports them
 * from `eventLoopDelayGauges` instead.
 */
const EVENT_LOOP_DELAY_STATS = {
  min: 'nodejs_eventloop_lag_min_seconds',
  max: 'nodejs_eventloop_lag_max_seconds',
  mean: 'nodejs_eventloop_lag_mean_seconds',
  stddev: 'nodejs_eventloop_lag_stddev_seconds',
  p50: 'nodejs_eventloop_lag_p50_seconds',
  p90: 'nodejs_eventloop_lag_p90_seconds',
  p99: 'nodejs_eventloop_lag_p99_seconds',
} as const;

type DelayStat = keyof typeof EVENT_LOOP_DELAY_STATS;

/**
 * Creates the app's Prometheus registry; libraries register their own metrics on it.
 *
 * prom-client's default metrics, except how the event loop's delay is sampled: prom-client's timer
 * fires every 10 ms, about 100 wakeups a second of each app, idle or not, and its percentiles count
 * the sampling interval as delay (an idle app reads p99 0.01 s at 10 ms, 0.11 s at 100 ms). Here the
 * loop is sampled every EVENT_LOOP_SAMPLE_MS and the gauges report the delay beyond the interval, so
 * that an idle app reads about 0 at any sampling rate. prom-client's own histogram, whose gauges are
 * replaced, samples once a minute.
 */
export function createMetricsRegistry(service: string): Registry {
  const registry = new Registry();
  registry.setDefaultLabels({ service });
  collectDefaultMetrics({ register: registry, eventLoopMonitoringPrecision: 60_000 });
  for (const name of Object.values(EVENT_LOOP_DELAY_STATS)) registry.removeSingleMetric(name);
  eventLoopDelayGauges(registry, EVENT_LOOP_SAMPLE_MS);
  return registry;
}

/**
 * The event loop's delay since the previous scrape (min, max, mean, standard deviation and
 * percentiles, in seconds), net of the sampling interval; 0 before the first sample.
 */
export function eventLoopDelayGauges(registry: Registry, sampleMs: number): void {
  const histogram = monitorEventLoopDelay({ resolution: sampleMs });
  histogram.enable();
  const intervalS = sampleMs / 1000;
  // One reading per scrape: the first gauge collected takes it and restarts the histogram.
  let reading: Record<DelayStat, number> | undefined;
  const take = (): Record<DelayStat, number> => {
    const empty = histogram.count === 0;
    const net = (ns: number): number => (empty ? 0 : Math.max(0, ns / 1e9 - intervalS));
    const taken = {
      min: net(histogram.min),
      max: net(histogram.max),
      mean: net(histogram.mean),
      stddev: empty ? 0 : histogram.stddev / 1e9,
      p50: net(histogram.percentile(50)),
      p90: net(histogram.percentile(90)),
      p99: net(histogram.percentile(99)),
    };
    histogram.reset();
    return taken;
  };
  const stats = Object.keys(EVENT_LOOP_DELAY_STATS) as DelayStat[];
  for (const stat of stats) {
    new Gauge({
      name: EVENT_LOOP_DELAY_STATS[stat],
      help: `Event loop delay beyond the ${sampleMs} ms sampling interval since the last scrape: ${stat}`,
      registers: [registry],
      collect() {
        if (stat === stats[0]) reading = take();
        this.set(reading?.[stat] ?? 0);
      },
    });
  }
}

@Injectable()
export class HttpMetrics {
  readonly duration: Histogram<'method' | 'route' | 'status'>;

  constructor(registry: Registry) {
    this.duration = new Histogram({
      name: 'http_request_duration_seconds',
      help: 'HTTP request latency',
      labelNames: ['method', 'route', 'status'] as const,
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers: [registry],
    });
  }
}

@Controller()
export class MetricsController {
  constructor(private readonly registry: Registry) {}

  @Get(METRICS_PATH)
  @Header('Content-Type', 'text/plain; version=0.0.4; charset=utf-8')
  scrape(): Promise<string> {
    return this.registry.metrics();
  }
}
