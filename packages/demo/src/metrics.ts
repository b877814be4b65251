import type { IncomingMessage, ServerResponse } from 'node:http';
import { PrometheusExporter } from '@opentelemetry/exporter-prometheus';
import { MeterProvider } from '@opentelemetry/sdk-metrics';
import type { ChannelMonitor } from '@ssekit/core';
import { channelMetrics } from '@ssekit/otel';

/** The demo's metrics: an OpenTelemetry SDK of its own, read by Prometheus at `GET /metrics`. */
export interface DemoMetrics {
  /** The demo channel's monitor (its series carry `ssekit.channel="demo"`). */
  readonly monitor: ChannelMonitor;
  /** Answers a scrape with every series in Prometheus's text format. */
  serve(req: IncomingMessage, res: ServerResponse): void;
  /** Stops the SDK. */
  close(): Promise<void>;
}

/**
 * The SDK an app would register at start-up, kept to the demo (not the global provider) so that a
 * test can start several demos in one process. Prometheus pulls: the exporter starts no server of
 * its own (`preventServerStart`); the demo's server hands it `/metrics`.
 */
export function demoMetrics(): DemoMetrics {
  const exporter = new PrometheusExporter({ preventServerStart: true });
  const provider = new MeterProvider({ readers: [exporter] });
  return {
    monitor: channelMetrics({ channel: 'demo', meter: provider.getMeter('@ssekit/demo') }),
    serve: (req, res) => exporter.getMetricsRequestHandler(req, res),
    close: () => provider.shutdown(),
  };
}
