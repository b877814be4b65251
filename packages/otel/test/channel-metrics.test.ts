import { connect as connectSocket, type Socket } from 'node:net';
import { createChannel } from '@ssekit/core';
import { channelMetrics } from '@ssekit/otel';
import { waitFor } from '@ssekit/test-kit';
import { EventSource } from 'eventsource';
import { afterEach, describe, expect, it } from 'vitest';
import { serveChannel, testMeter } from './server.js';

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** An EventSource that records the data of what it receives; closed after the test. */
function listen(url: string) {
  const source = new EventSource(url);
  const received: { type: string; data: string; id: string }[] = [];
  const record = (event: MessageEvent) =>
    received.push({ type: event.type, data: String(event.data), id: event.lastEventId });
  source.addEventListener('message', record);
  source.addEventListener('ssekit-gap', record);
  cleanups.push(() => source.close());
  const opened = new Promise<void>((resolve, reject) => {
    source.onopen = () => resolve();
    source.onerror = (event) => reject(new Error(`EventSource error: ${event.message}`));
  });
  return { source, received, opened };
}

/** A client that sends its request and then never reads: the server's writes pile up for it. */
function stalledClient(port: number): Promise<Socket> {
  return new Promise((resolve) => {
    const socket = connectSocket({ host: '127.0.0.1', port }, () => {
      socket.write('GET /events HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n\r\n');
      socket.pause();
      resolve(socket);
    });
    cleanups.push(() => socket.destroy());
  });
}

describe('channelMetrics (real HTTP, EventSource clients, the SDK meter)', () => {
  it('counts open streams up and down as clients come and go', async () => {
    const { meter, value } = testMeter();
    const channel = createChannel({ monitor: channelMetrics({ channel: 'room', meter }) });
    const server = await serveChannel(channel);
    cleanups.push(server.close);
    const room = { 'ssekit.channel': 'room' };
    expect(await value('ssekit.streams.open', room)).toBe(0);
    const a = listen(server.url);
    const b = listen(server.url);
    await Promise.all([a.opened, b.opened]);
    await waitFor(() => channel.size === 2, 'both clients in the channel');
    expect(await value('ssekit.streams.open', room)).toBe(2);
    a.source.close();
    await waitFor(() => channel.size === 1, 'the first client to leave');
    expect(await value('ssekit.streams.open', room)).toBe(1);
  });

  it('counts every event written to every member, and its bytes, once per member', async () => {
    const { meter, value } = testMeter();
    const channel = createChannel({ monitor: channelMetrics({ channel: 'feed', meter }) });
    const server = await serveChannel(channel);
    cleanups.push(server.close);
    const clients = [listen(server.url), listen(server.url), listen(server.url)];
    await Promise.all(clients.map((c) => c.opened));
    await waitFor(() => channel.size === 3, 'three members');
    await channel.send('hello');
    await channel.send('again', { event: 'message' });
    await waitFor(() => clients.every((c) => c.received.length === 2), 'every client to get both events');
    const feed = { 'ssekit.channel': 'feed' };
    expect(await value('ssekit.events.delivered', feed)).toBe(6);
    const wire = 'data: hello\n\n'.length + 'event: message\ndata: again\n\n'.length;
    expect(await value('ssekit.bytes.delivered', feed)).toBe(3 * wire);
  });

  it('counts a client dropped as slow', async () => {
    const { meter, value } = testMeter();
    const channel = createChannel({ monitor: channelMetrics({ meter }) });
    const server = await serveChannel(channel, { maxBufferedBytes: 64 * 1024 });
    cleanups.push(server.close);
    const reader = listen(server.url);
    await reader.opened;
    await stalledClient(server.port);
    await waitFor(() => channel.size === 2, 'the stalled client to join');
    const payload = 'x'.repeat(64 * 1024);
    // The stalled socket's kernel buffers take a few megabytes before the server's bound is reached.
    for (let i = 0; i < 400 && channel.size === 2; i++) {
      await channel.send(payload);
      await new Promise((resolve) => setImmediate(resolve));
    }
    await waitFor(() => channel.size === 1, 'the stalled client to be dropped', 10_000);
    expect(await value('ssekit.streams.dropped')).toBe(1);
    expect(await value('ssekit.streams.open')).toBe(1);
  });

  it('counts a resume served by a replay, the events it replayed, and a resume that got the gap event', async () => {
    const { meter, value } = testMeter();
    const channel = createChannel({ history: 10, monitor: channelMetrics({ channel: 'log', meter }) });
    const server = await serveChannel(channel);
    cleanups.push(server.close);
    const first = (await channel.send('one')) as string;
    await channel.send('two');
    await channel.send('three');
    const log = { 'ssekit.channel': 'log' };

    const resumer = listen(`${server.url}?lastEventId=${encodeURIComponent(first)}`);
    await waitFor(() => resumer.received.length === 2, 'the replay of two events');
    expect(await value('ssekit.resumes', { ...log, 'ssekit.resume.gap': false })).toBe(1);
    expect(await value('ssekit.resumes', { ...log, 'ssekit.resume.gap': true })).toBe(0);
    expect(await value('ssekit.replay.events', log)).toBe(2);
    expect(await value('ssekit.gap_events', log)).toBe(0);

    // An id from before a restart (another epoch) cannot be replayed.
    const lost = listen(`${server.url}?lastEventId=gone-7`);
    await waitFor(() => lost.received.length === 1, 'the gap event');
    expect(lost.received[0]?.type).toBe('ssekit-gap');
    expect(await value('ssekit.resumes', { ...log, 'ssekit.resume.gap': true })).toBe(1);
    expect(await value('ssekit.resumes', { ...log, 'ssekit.resume.gap': false })).toBe(1);
    expect(await value('ssekit.gap_events', log)).toBe(1);
    expect(await value('ssekit.replay.events', log)).toBe(2);
  });

  it('records the bus lag of every broadcast once, whatever the number of members', async () => {
    const { meter, points } = testMeter();
    const channel = createChannel({ monitor: channelMetrics({ meter }) });
    const server = await serveChannel(channel);
    cleanups.push(server.close);
    const clients = [listen(server.url), listen(server.url)];
    await Promise.all(clients.map((c) => c.opened));
    await waitFor(() => channel.size === 2, 'two members');
    for (let i = 0; i < 5; i++) await channel.send(String(i));
    const [lag] = (await points('ssekit.bus.lag')) as { value: { count: number; max?: number } }[];
    expect(lag?.value.count).toBe(5);
    // A local bus hands the message over at once.
    expect(lag?.value.max).toBeLessThan(1);
  });

  it('sums channels of the same name, and keeps what a closed one counted', async () => {
    const { meter, value } = testMeter();
    const a = createChannel({ monitor: channelMetrics({ channel: 'same', meter }) });
    const b = createChannel({ monitor: channelMetrics({ channel: 'same', meter }) });
    const serverA = await serveChannel(a);
    const serverB = await serveChannel(b);
    cleanups.push(serverA.close, serverB.close);
    const clients = [listen(serverA.url), listen(serverB.url), listen(serverB.url)];
    await Promise.all(clients.map((c) => c.opened));
    await waitFor(() => a.size === 1 && b.size === 2, 'the members of both channels');
    const same = { 'ssekit.channel': 'same' };
    expect(await value('ssekit.streams.open', same)).toBe(3);
    await a.send('to a');
    await b.send('to b');
    await waitFor(() => clients.every((c) => c.received.length === 1), 'one event at each client');
    expect(await value('ssekit.events.delivered', same)).toBe(3);
    await a.close();
    // The closed channel's stream is gone; what it delivered still counts: counters never go down.
    expect(await value('ssekit.streams.open', same)).toBe(2);
    expect(await value('ssekit.events.delivered', same)).toBe(3);
    await b.send('again');
    await waitFor(() => clients[2]?.received.length === 2, 'the next event');
    expect(await value('ssekit.events.delivered', same)).toBe(5);
  });

  it('delivers as usual through the global no-op meter when no provider is registered', async () => {
    const channel = createChannel({ monitor: channelMetrics({ channel: 'quiet' }) });
    const server = await serveChannel(channel);
    cleanups.push(server.close);
    const c = listen(server.url);
    await c.opened;
    await channel.send('still delivered');
    await waitFor(() => c.received.length === 1, 'the event');
    expect(channel.stats.eventsDelivered).toBe(1);
  });
});
