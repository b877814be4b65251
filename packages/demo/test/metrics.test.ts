// The demo's /metrics: the OpenTelemetry series of its channel, as Prometheus scrapes them.
import { waitFor } from '@ssekit/test-kit';
import { EventSource } from 'eventsource';
import { afterEach, describe, expect, it } from 'vitest';
import { type Demo, startDemo } from '../src/server.js';
import { broadcast } from './helpers.js';

describe('demo /metrics', () => {
  let demo: Demo | undefined;
  let source: EventSource | undefined;
  afterEach(async () => {
    source?.close();
    await demo?.close();
  });

  const scrape = async () => {
    const response = await fetch(`${demo?.url}metrics`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('text/plain');
    return response.text();
  };
  /** The value of the sample of `series` for the demo channel (the exporter adds other labels). */
  const sample = (text: string, series: string) => {
    const line = text
      .split('\n')
      .find((l) => l.startsWith(`${series}{`) && l.includes('ssekit_channel="demo"'));
    return line === undefined ? undefined : Number(line.split(' ').at(-1));
  };

  it('serves the channel series in Prometheus text format, and they move with a client and a broadcast', async () => {
    demo = await startDemo({ port: 0, log: () => {}, tickInterval: 60_000 });
    source = new EventSource(`${demo.url}express/events?client=metrics`);
    const received: string[] = [];
    source.onmessage = (event) => received.push(String(event.data));
    await waitFor(() => demo?.hub.channel.size === 1, 'the page stream to join the channel');
    expect(sample(await scrape(), 'ssekit_streams_open')).toBe(1);

    await broadcast(demo, 'express', 'counted');
    await waitFor(() => received.includes('counted'), 'the broadcast');
    const text = await scrape();
    expect(sample(text, 'ssekit_events_delivered_total')).toBeGreaterThanOrEqual(1);
    expect(sample(text, 'ssekit_bytes_delivered_total')).toBeGreaterThan(0);
    expect(sample(text, 'ssekit_bus_lag_count')).toBeGreaterThanOrEqual(1);
    expect(text).toContain('# TYPE ssekit_bus_lag histogram');

    source.close();
    await waitFor(() => demo?.hub.channel.size === 0, 'the stream to leave');
    expect(sample(await scrape(), 'ssekit_streams_open')).toBe(0);
  });
});
