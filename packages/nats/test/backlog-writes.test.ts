// A backlog the follower reads at once (after any stall of this instance: a GC pause, a busy
// moment) must leave as one write per client, not one per event: written event by event, 300
// clients × 100 events is 30 000 writes where 300 do, and the stall feeds on itself.

import { createServer, type Server } from 'node:http';
import { connect as netConnect, type Socket } from 'node:net';
import { createChannel, nodeResponseTransport, openSSEStream } from '@ssekit/core';
import { type NatsChannel, natsChannel } from '@ssekit/nats';
import { waitFor } from '@ssekit/test-kit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type NatsServer, natsAvailable, startNatsServer } from './nats-server.js';

const describeNats = natsAvailable() ? describe : describe.skip;

/** A raw HTTP client that counts the body's chunks (one per write on the server) and its events. */
function chunkCountingClient(port: number) {
  const counts = { chunks: 0, events: 0 };
  let buffered = '';
  let bodyStarted = false;
  const socket: Socket = netConnect({ host: '127.0.0.1', port }, () =>
    socket.write('GET /events HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n\r\n'),
  );
  socket.setEncoding('latin1');
  socket.on('data', (text: string) => {
    buffered += text;
    if (!bodyStarted) {
      const end = buffered.indexOf('\r\n\r\n');
      if (end === -1) return;
      bodyStarted = true;
      buffered = buffered.slice(end + 4);
    }
    // Chunked body: `<size hex>\r\n<bytes>\r\n`, repeated.
    for (;;) {
      const lineEnd = buffered.indexOf('\r\n');
      if (lineEnd === -1) return;
      const size = Number.parseInt(buffered.slice(0, lineEnd), 16);
      if (buffered.length < lineEnd + 2 + size + 2) return;
      const body = buffered.slice(lineEnd + 2, lineEnd + 2 + size);
      buffered = buffered.slice(lineEnd + 2 + size + 2);
      counts.chunks++;
      counts.events += body.split('\n\n').length - 1 - (body.match(/^:[^\n]*\n\n/gm)?.length ?? 0);
    }
  });
  return { counts, close: () => socket.destroy() };
}

describeNats('a backlog read at once (real nats-server, node:http, raw client)', () => {
  let nats: NatsServer;
  let shared: NatsChannel;
  let publisher: NatsChannel;
  let server: Server;

  beforeAll(async () => {
    nats = await startNatsServer();
  }, 30_000);
  afterAll(async () => {
    await publisher?.close();
    await shared?.close();
    server?.closeAllConnections();
    server?.close();
    await nats?.dispose();
  });

  it('leaves as one write per client, not one per event', async () => {
    const stream = `backlog-${process.pid}`;
    shared = natsChannel({ nats: nats.url, stream });
    await shared.ready();
    const channel = createChannel({ history: shared });
    server = createServer((req, res) => {
      channel.add(
        openSSEStream({
          transport: nodeResponseTransport(res, req.socket),
          url: req.url,
          connectionHeader: true,
        }),
      );
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as { port: number }).port;
    publisher = natsChannel({ nats: nats.url, stream });
    await publisher.ready();

    const client = chunkCountingClient(port);
    try {
      await waitFor(() => channel.size === 1, 'the client to join', 5_000);
      await channel.send('first');
      await waitFor(() => client.counts.events === 1, 'the first event', 5_000);
      const chunksBefore = client.counts.chunks;

      // 100 publishes leave in the next microtask; then this process stalls (as an instance does in
      // a GC pause), so the follower finds all of them in its connection at once when it resumes.
      const acks = Array.from({ length: 100 }, (_, i) => publisher.append({ data: `e${i}` }));
      await new Promise((resolve) => setImmediate(resolve));
      const until = Date.now() + 300;
      while (Date.now() < until) {}
      await Promise.all(acks);
      await waitFor(() => client.counts.events === 101, 'every event of the backlog', 10_000);

      // One socket read can end mid-backlog, so a few writes are fine; one per event is not.
      expect(client.counts.chunks - chunksBefore).toBeLessThanOrEqual(5);
    } finally {
      client.close();
    }
  });
});
