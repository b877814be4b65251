import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type { SSEOptions } from '../../src/options.js';
import { openSSEStream, type SSEStream, streamInternals } from '../../src/stream.js';
import { nodeResponseTransport } from '../../src/transports/node-response.js';

interface Opened {
  stream: SSEStream;
  req: http.IncomingMessage;
  res: http.ServerResponse;
  /** Listeners on the response before the transport added its own. */
  baseline: { close: number; drain: number };
}

const servers: http.Server[] = [];

/** Drain listeners on the response and its socket: the transport listens on whichever it writes to. */
function drainListeners(res: http.ServerResponse): number {
  return res.listenerCount('drain') + (res.socket?.listenerCount('drain') ?? 0);
}

/** A real node:http server on 127.0.0.1 that opens an event stream on every request. */
async function startServer(options: SSEOptions = {}) {
  const waiting: Array<(opened: Opened) => void> = [];
  const ready: Opened[] = [];
  const server = http.createServer((req, res) => {
    const baseline = { close: res.listenerCount('close'), drain: drainListeners(res) };
    const stream = openSSEStream(
      {
        transport: nodeResponseTransport(res, req.socket),
        connectionHeader: true,
        lastEventIdHeader: req.headers['last-event-id'],
        url: req.url,
      },
      { heartbeat: false, ...options },
    );
    const opened = { stream, req, res, baseline };
    const waiter = waiting.shift();
    if (waiter) waiter(opened);
    else ready.push(opened);
  });
  servers.push(server);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    server,
    port,
    /** The stream the server opened for the next request. */
    nextStream: (): Promise<Opened> => {
      const opened = ready.shift();
      return opened ? Promise.resolve(opened) : new Promise((resolve) => waiting.push(resolve));
    },
  };
}

/** A GET with the stock client; resolves with the response as soon as its head arrives. */
function get(port: number, headers: Record<string, string> = {}) {
  const request = http.get({ host: '127.0.0.1', port, path: '/events?x=1', agent: false, headers });
  return { request, response: once(request, 'response').then(([res]) => res as http.IncomingMessage) };
}

/** Collects a response body as text. */
function collect(res: http.IncomingMessage) {
  const body = { text: '' };
  res.setEncoding('utf8');
  res.on('data', (chunk: string) => {
    body.text += chunk;
  });
  return body;
}

/** Writes pre-encoded bytes, as a channel does. */
function writeEncoded(stream: SSEStream, bytes: Uint8Array): Promise<boolean> {
  return streamInternals(stream).write(bytes);
}

async function until(condition: () => boolean, ms = 5000) {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

afterEach(async () => {
  for (const server of servers.splice(0)) {
    server.closeAllConnections();
    server.close();
    await once(server, 'close');
  }
});

describe('nodeResponseTransport', () => {
  it('sends status 200 and the event-stream headers before any event is written', async () => {
    const { port, nextStream } = await startServer();
    const { response } = get(port);
    const { stream } = await nextStream();
    const res = await response;
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('text/event-stream; charset=utf-8');
    expect(res.headers['cache-control']).toBe('no-cache, no-transform');
    expect(res.headers['x-accel-buffering']).toBe('no');
    expect(res.headers.connection).toBe('keep-alive');
    expect(stream.closed).toBe(false);
    stream.close();
  });

  it('streams each event as it is sent and ends the response cleanly on close', async () => {
    const { port, nextStream } = await startServer({ retry: 1000 });
    const { response } = get(port, { 'Last-Event-ID': '17' });
    const { stream } = await nextStream();
    expect(stream.lastEventId).toBe('17');
    const res = await response;
    const body = collect(res);
    await until(() => body.text === 'retry: 1000\n\n');
    await stream.send('one', { id: '18' });
    await until(() => body.text.endsWith('data: one\n\n'));
    stream.close();
    await once(res, 'end');
    expect(body.text).toBe('retry: 1000\n\nid: 18\ndata: one\n\n');
  });

  it('writes the bytes it is given, even from a buffer reused with new contents', async () => {
    const { port, nextStream } = await startServer();
    const { response } = get(port);
    const { stream } = await nextStream();
    const body = collect(await response);
    const buffer = new TextEncoder().encode('data: one\n\n');
    await writeEncoded(stream, buffer);
    await until(() => body.text === 'data: one\n\n');
    buffer.set(new TextEncoder().encode('data: two\n\n'));
    await writeEncoded(stream, buffer);
    await until(() => body.text.length >= 'data: one\n\ndata: two\n\n'.length);
    stream.close();
    expect(body.text).toBe('data: one\n\ndata: two\n\n');
  });

  it('turns off the socket idle timeout so a quiet stream outlives server.timeout', async () => {
    const { server, port, nextStream } = await startServer();
    // Without the transport's setTimeout(0), the server would destroy this idle socket after 100 ms.
    server.setTimeout(100);
    const { response } = get(port);
    const { stream, req } = await nextStream();
    const body = collect(await response);
    expect(req.socket.timeout).toBe(0);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(stream.closed).toBe(false);
    await stream.send('still here');
    await until(() => body.text === 'data: still here\n\n');
    stream.close();
  });

  it('removes its listeners from the response when the server closes the stream', async () => {
    const { port, nextStream } = await startServer();
    const { response } = get(port);
    const { stream, res, baseline } = await nextStream();
    await response;
    expect(res.listenerCount('close')).toBe(baseline.close + 1);
    // `drain` is listened for only while the connection is backed up.
    expect(drainListeners(res)).toBe(baseline.drain);
    stream.close();
    expect(res.listenerCount('close')).toBe(baseline.close);
    expect(drainListeners(res)).toBe(baseline.drain);
  });

  it('closes the stream with reason "client" and removes its listeners when the client disconnects', async () => {
    const { port, nextStream } = await startServer();
    const { request, response } = get(port);
    const { stream, res, baseline } = await nextStream();
    await response;
    const closed = new Promise<SSEStream>((resolve) => stream.onClose(resolve));
    request.destroy();
    await closed;
    expect(stream.closeReason).toBe('client');
    expect(stream.signal.aborted).toBe(true);
    expect(res.listenerCount('close')).toBe(baseline.close);
    expect(drainListeners(res)).toBe(baseline.drain);
    await expect(stream.send('gone')).resolves.toBe(false);
  });

  it('drops a client that stops reading at its buffer bound and destroys its socket', async () => {
    const maxBufferedBytes = 256 * 1024;
    const { port, nextStream } = await startServer({ maxBufferedBytes });
    const client = net.connect(port, '127.0.0.1');
    client.write('GET /events HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n');
    const { stream, req, res, baseline } = await nextStream();
    await once(client, 'data');
    // The client stops reading: first the kernel buffers fill, then the server's.
    client.pause();

    const event = 'x'.repeat(16 * 1024);
    const pending: Promise<boolean>[] = [];
    let written = 0;
    let mostBuffered = 0;
    while (!stream.closed && written < 256 * 1024 * 1024) {
      pending.push(stream.send(event));
      written += event.length;
      mostBuffered = Math.max(mostBuffered, stream.bufferedBytes);
      // Let libuv hand what it can to the kernel, as it would between real events.
      if (pending.length % 16 === 0) await new Promise((resolve) => setImmediate(resolve));
    }

    expect(stream.closeReason).toBe('slow');
    expect(mostBuffered).toBeGreaterThan(0);
    expect(mostBuffered).toBeLessThanOrEqual(maxBufferedBytes);
    expect(req.socket.destroyed).toBe(true);
    expect(drainListeners(res)).toBe(baseline.drain);
    // Sends still waiting for room learn that their event never reached the client.
    expect(await pending.at(-1)).toBe(false);
    client.destroy();
  });
});
