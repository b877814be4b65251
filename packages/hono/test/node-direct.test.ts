import { ServerResponse } from 'node:http';
import { type ParsedEvent, parseEventStream, type SSEStream } from '@ssekit/core';
import { sse } from '@ssekit/hono';
import { Hono } from 'hono';
import { compress } from 'hono/compress';
import { describe, expect, it, vi } from 'vitest';
import { serverPerTest } from './node-server.js';

// On @hono/node-server, once the server has sent the head, events skip the web body stream and the
// server's read loop and go straight to the socket. The server writes a body chunk with
// `ServerResponse.prototype.write`; direct writes do not, which is what these tests watch.

const { start, defer } = serverPerTest();

/** Serves `app`, whose `/events` route hands its stream out, and opens one client on it. */
async function connect(app: Hono, opened: Promise<SSEStream>, headers: Record<string, string> = {}) {
  const url = await start(app);
  const controller = new AbortController();
  defer(() => controller.abort());
  const response = await fetch(`${url}/events`, { headers, signal: controller.signal });
  const events = parseEventStream(response.body!)[Symbol.asyncIterator]();
  return {
    response,
    stream: await opened,
    next: async (): Promise<ParsedEvent | undefined> => (await events.next()).value,
  };
}

/** A route whose stream sends `first` at once and is then handed to the test. */
function eventsRoute(app: Hono, options: Parameters<typeof sse>[1] = {}): Promise<SSEStream> {
  return new Promise((resolve) => {
    app.get(
      '/events',
      sse((stream) => {
        stream.send('first');
        resolve(stream);
      }, options),
    );
  });
}

/** Sends `count` events named by `label`, each in a task of its own, as a live source would. */
async function sendApart(stream: SSEStream, count: number, label: (i: number) => string): Promise<void> {
  for (let i = 0; i < count; i++) {
    await new Promise((resolve) => setTimeout(resolve, 1));
    stream.send(label(i));
  }
}

async function receive(client: { next(): Promise<ParsedEvent | undefined> }, count: number) {
  const data: string[] = [];
  for (let i = 0; i < count; i++) data.push((await client.next())?.data ?? '(ended)');
  return data;
}

const labels = (count: number, label: (i: number) => string) =>
  Array.from({ length: count }, (_, i) => label(i));

describe('sse() on @hono/node-server, after the head is out', () => {
  it('writes events straight to the socket, not through the body stream', async () => {
    const app = new Hono();
    const client = await connect(app, eventsRoute(app));
    expect((await client.next())?.data).toBe('first');
    const bodyWrites = vi.spyOn(ServerResponse.prototype, 'write');
    await sendApart(client.stream, 50, (i) => `event ${i}`);
    expect(await receive(client, 50)).toEqual(labels(50, (i) => `event ${i}`));
    expect(bodyWrites).not.toHaveBeenCalled();
    client.stream.close();
    expect(await client.next()).toBeUndefined();
  });

  it('still sends the headers middleware sets before and after the handler', async () => {
    const app = new Hono();
    app.use(async (c, next) => {
      // Touching c.res before the handler makes Hono copy the handler's response into it.
      c.res.headers.set('x-set-before', 'yes');
      await next();
      c.res.headers.set('x-set-after', 'yes');
    });
    const client = await connect(app, eventsRoute(app));
    expect(client.response.headers.get('x-set-before')).toBe('yes');
    expect(client.response.headers.get('x-set-after')).toBe('yes');
    expect((await client.next())?.data).toBe('first');
    const bodyWrites = vi.spyOn(ServerResponse.prototype, 'write');
    await sendApart(client.stream, 10, (i) => `event ${i}`);
    expect(await receive(client, 10)).toEqual(labels(10, (i) => `event ${i}`));
    expect(bodyWrites).not.toHaveBeenCalled();
  });

  it('keeps every event on a body that middleware replaced with a transformed copy', async () => {
    const app = new Hono();
    // Turns every "x" into "y": an event that skipped the transform would still read "x".
    app.use(async (c, next) => {
      await next();
      const transform = new TransformStream<Uint8Array, Uint8Array>({
        transform: (chunk, controller) =>
          controller.enqueue(chunk.map((byte) => (byte === 0x78 ? 0x79 : byte))),
      });
      c.res = new Response(c.res.body?.pipeThrough(transform), c.res);
    });
    const client = await connect(app, eventsRoute(app));
    expect((await client.next())?.data).toBe('first');
    await sendApart(client.stream, 20, (i) => `xxx ${i}`);
    expect(await receive(client, 20)).toEqual(labels(20, (i) => `yyy ${i}`));
  });

  it('keeps every event on a body that compression middleware encodes', async () => {
    const app = new Hono();
    app.use(compress({ encoding: 'gzip', threshold: 0, contentTypeFilter: /event-stream/ }));
    const opened = eventsRoute(app, { headers: { 'cache-control': 'no-cache' } });
    const client = await connect(app, opened, { 'accept-encoding': 'gzip' });
    expect(client.response.headers.get('content-encoding')).toBe('gzip');
    // A gzip stream gives out nothing before it is flushed: send everything, then close.
    await sendApart(client.stream, 20, (i) => `event ${i}`);
    client.stream.close();
    expect(await receive(client, 22)).toEqual(['first', ...labels(20, (i) => `event ${i}`), '(ended)']);
  });
});
