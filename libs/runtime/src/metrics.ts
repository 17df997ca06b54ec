import { METRICS_PATH } from '@leadflow/contracts';
import { Controller, Get, Header, Injectable } from '@nestjs/common';
import { collectDefaultMetrics, Histogram, Registry } from 'prom-client';

/** How often the default metrics sample the event loop's delay. */
export const EVENT_LOOP_SAMPLE_MS = 100;

/** Creates the app's Prometheus registry; libraries register their own metrics on it. */
export function createMetricsRegistry(service: string): Registry {
  const registry = new Registry();
  registry.setDefaultLabels({ service });
  // The event-loop delay is sampled every 100 ms rather than prom-client's 10 ms: a timer every
  // 10 ms woke an idle app about 200 times a second, most of its CPU while nothing happens.
  collectDefaultMetrics({ register: registry, eventLoopMonitoringPrecision: EVENT_LOOP_SAMPLE_MS });
  return registry;
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
