import { createMetricsRegistry, EVENT_LOOP_SAMPLE_MS } from './metrics';

describe('createMetricsRegistry', () => {
  it('labels every metric with the service and keeps the default process and event-loop metrics', async () => {
    const registry = createMetricsRegistry('metrics-spec');
    // The event-loop histogram fills from its first sample on.
    await new Promise((resolve) => setTimeout(resolve, EVENT_LOOP_SAMPLE_MS * 3));
    const text = await registry.metrics();
    expect(text).toMatch(/^process_cpu_user_seconds_total\{service="metrics-spec"\} \d/m);
    expect(text).toMatch(/^nodejs_eventloop_lag_p99_seconds\{service="metrics-spec"\} (?!0$)\d/m);
    registry.clear();
  });
});
