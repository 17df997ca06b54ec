import { METRICS_PATH } from '@leadflow/contracts';
import { Controller, Get, Header, Injectable } from '@nestjs/common';
import { collectDefaultMetrics, Histogram, Registry } from 'prom-client';

/** Creates the app's Prometheus registry; libraries register their own metrics on it. */
export function createMetricsRegistry(service: string): Registry {
  const registry = new Registry();
  registry.setDefaultLabels({ service });
  // prom-client samples the event loop every 10 ms, about 200 wakeups a second of an idle app. A
  // coarser sampling saves that CPU, but the lag percentiles include the interval (at 100 ms an
  // idle app read p99 0.11 s, a stall to anyone watching), so the default stays.
  collectDefaultMetrics({ register: registry });
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
