// With SSEKIT_BENCH_OTEL=1 the ssekit scenarios measure their channel with @ssekit/otel and an
// OpenTelemetry SDK that collects every second, to show what metrics cost on the delivery path.
// Without it (the default) channels have no monitor, as in an app that uses no metrics.

/** The channel monitor the ssekit scenarios use: `undefined` unless SSEKIT_BENCH_OTEL=1. */
export async function benchMonitor() {
  if (process.env.SSEKIT_BENCH_OTEL !== '1') return undefined;
  const { MeterProvider, PeriodicExportingMetricReader } = await import('@opentelemetry/sdk-metrics');
  const { channelMetrics } = await import('@ssekit/otel');
  // Collects as a real exporter would, then drops the result: what is measured is collection.
  const exporter = {
    export: (_metrics, done) => done({ code: 0 }),
    forceFlush: async () => {},
    shutdown: async () => {},
  };
  const reader = new PeriodicExportingMetricReader({ exporter, exportIntervalMillis: 1000 });
  const provider = new MeterProvider({ readers: [reader] });
  return channelMetrics({ channel: 'bench', meter: provider.getMeter('bench') });
}
