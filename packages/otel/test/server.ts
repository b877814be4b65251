// A real node:http server whose /events streams join a channel, and an OpenTelemetry SDK meter
// provider whose reader the tests collect on demand.
import {
  AggregationTemporality,
  type DataPoint,
  MeterProvider,
  MetricReader,
  type ResourceMetrics,
} from '@opentelemetry/sdk-metrics';
import { type Channel, nodeResponseTransport, openSSEStream, type SSEOptions } from '@ssekit/core';
import { serveHttp } from '@ssekit/test-kit';

/** A reader that exports nothing by itself: the test calls `collect()` when it wants the numbers. */
class OnDemandReader extends MetricReader {
  constructor() {
    super({ aggregationTemporalitySelector: () => AggregationTemporality.CUMULATIVE });
  }
  protected override async onForceFlush(): Promise<void> {}
  protected override async onShutdown(): Promise<void> {}
}

/** A meter provider of its own (not the global one) and a way to read one series' points. */
export function testMeter() {
  const reader = new OnDemandReader();
  const provider = new MeterProvider({ readers: [reader] });
  const meter = provider.getMeter('test');
  /** Every data point of the series `name`, as collected now. */
  async function points(name: string): Promise<DataPoint<unknown>[]> {
    const { resourceMetrics, errors } = await reader.collect();
    if (errors.length > 0) throw errors[0];
    return pointsOf(resourceMetrics, name);
  }
  /** The value of the sum series `name` for the attributes given (0 if none is reported yet). */
  async function value(name: string, attributes: Record<string, unknown> = {}): Promise<number> {
    const point = (await points(name)).find((p) => sameAttributes(p.attributes, attributes));
    return (point?.value as number | undefined) ?? 0;
  }
  return { meter, provider, points, value };
}

function pointsOf(metrics: ResourceMetrics, name: string): DataPoint<unknown>[] {
  for (const scope of metrics.scopeMetrics)
    for (const metric of scope.metrics) if (metric.descriptor.name === name) return metric.dataPoints;
  return [];
}

function sameAttributes(actual: Record<string, unknown>, expected: Record<string, unknown>): boolean {
  const keys = Object.keys(actual);
  return keys.length === Object.keys(expected).length && keys.every((key) => actual[key] === expected[key]);
}

/** Serves `channel` at `/events` over real HTTP; `close` ends the server and every connection. */
export async function serveChannel(channel: Channel, options: SSEOptions = {}) {
  const { url, port, close } = await serveHttp((req, res) => {
    const stream = openSSEStream(
      {
        transport: nodeResponseTransport(res, req.socket),
        lastEventIdHeader: req.headers['last-event-id'],
        url: req.url,
        connectionHeader: true,
      },
      { heartbeat: false, ...options },
    );
    channel.add(stream);
  });
  return { url: `${url}/events`, port, close };
}
