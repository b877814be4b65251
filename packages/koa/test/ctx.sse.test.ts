import { once } from 'node:events';
import { connect as connectHttp2, createServer as createHttp2Server } from 'node:http2';
import type { AddressInfo } from 'node:net';
import { Router } from '@koa/router';
import { heartbeatStats, parseEventStream, type SSEStream } from '@ssekit/core';
import { deferred, waitFor } from '@ssekit/test-kit';
import { EventSource } from 'eventsource';
import type Koa from 'koa';
import { describe, expect, expectTypeOf, it } from 'vitest';
import { type SSEKoaOptions, sse, sseOf } from '../src/index.js';
import { connect, koas, listen } from './helpers.js';

describe.each(koas)('ctx.sse on %s', (_name, Koa) => {
  /** An app whose only route reads ctx.sse and hands the stream (and its ctx) to the test. */
  async function streamingApp(options: SSEKoaOptions = {}, handle?: (ctx: Koa.Context) => void) {
    const app = new Koa();
    const opened = deferred<{ stream: SSEStream; ctx: Koa.Context }>();
    app.use(sse(options));
    app.use((ctx) => {
      handle?.(ctx);
      opened.resolve({ stream: ctx.sse, ctx });
    });
    return { server: await listen(app), opened: opened.promise };
  }

  it('is typed SSEStream on app and router contexts', () => {
    const app = new Koa();
    app.use((ctx) => expectTypeOf(ctx.sse).toEqualTypeOf<SSEStream>());
    new Router().get('/', sse(), (ctx) => expectTypeOf(ctx.sse).toEqualTypeOf<SSEStream>());
  });

  it('types the handler form, its onError and sseOf with an event map', () => {
    type Events = { tick: { n: number } };
    const app = new Koa();
    app.use(
      sse<Events>(
        (stream, ctx) => {
          expectTypeOf(stream).toEqualTypeOf<SSEStream<Events>>();
          expectTypeOf(ctx).toEqualTypeOf<Koa.Context>();
        },
        { onError: (_error, stream) => expectTypeOf(stream).toEqualTypeOf<SSEStream<Events>>() },
      ),
    );
    app.use((ctx) => expectTypeOf(sseOf<Events>(ctx)).toEqualTypeOf<SSEStream<Events>>());
  });

  it('makes an EventSource open when the route only stores ctx.sse, and delivers events sent later', async () => {
    const streams: SSEStream[] = [];
    const app = new Koa();
    app.use(sse());
    app.use((ctx) => {
      streams.push(ctx.sse);
    });
    const server = await listen(app);
    const source = new EventSource(server.url);
    try {
      await new Promise<void>((resolve, reject) => {
        source.onopen = () => resolve();
        source.onerror = () => reject(new Error('EventSource failed to open'));
      });
      const message = new Promise<string>((resolve) => {
        source.onmessage = (event) => resolve(event.data);
      });
      await streams[0]!.send('to the stored stream');
      expect(await message).toBe('to the stored stream');
    } finally {
      source.close();
      await server.close();
    }
  });

  it('gives HEAD the headers and an ended response; ctx.sse is then closed and its sends resolve false', async () => {
    const app = new Koa();
    const seen = deferred<{ closed: boolean; sent: boolean }>();
    app.use(sse());
    app.use(async (ctx) => {
      const stream = ctx.sse;
      seen.resolve({ closed: stream.closed, sent: await stream.send('never') });
    });
    const server = await listen(app);
    try {
      const response = await fetch(server.url, { method: 'HEAD', signal: AbortSignal.timeout(3000) });
      expect(response.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
      expect(await seen.promise).toEqual({ closed: true, sent: false });
    } finally {
      await server.close();
    }
  });

  it('returns the same stream on every read', async () => {
    const reads: SSEStream[] = [];
    const { server, opened } = await streamingApp({}, (ctx) => {
      reads.push(ctx.sse, ctx.sse);
    });
    try {
      const client = await connect(server.url);
      const { stream } = await opened;
      expect(reads).toEqual([stream, stream]);
      expect(reads[0]).toBe(stream);
      client.leave();
    } finally {
      await server.close();
    }
  });

  it('stays open after the middleware chain returns, with no Koa body after the events', async () => {
    const { server, opened } = await streamingApp();
    try {
      const client = await connect(server.url);
      const { stream } = await opened;
      await new Promise((r) => setTimeout(r, 50));
      expect(stream.closed).toBe(false);
      await stream.send('after return', { id: '1' });
      expect(await client.next()).toEqual({ type: 'message', data: 'after return', lastEventId: '1' });
      stream.close();
      expect(await client.rest()).toEqual([]);
    } finally {
      await server.close();
    }
  });

  it('ends the body exactly where the stream closes (no 404 text, no Content-Length)', async () => {
    const { server, opened } = await streamingApp({}, (ctx) => {
      void ctx.sse.send('only').then(() => ctx.sse.close());
    });
    try {
      const response = await fetch(server.url);
      await opened;
      expect(response.headers.get('content-length')).toBeNull();
      expect(await response.text()).toBe('data: only\n\n');
    } finally {
      await server.close();
    }
  });

  it('keeps an idle stream past the server’s socket timeout', async () => {
    const { server, opened } = await streamingApp({ heartbeat: false });
    server.server.setTimeout(200);
    try {
      const client = await connect(server.url);
      const { stream } = await opened;
      await new Promise((r) => setTimeout(r, 500));
      await stream.send('still here');
      expect((await client.next())?.data).toBe('still here');
      stream.close();
    } finally {
      await server.close();
    }
  });

  it.each([
    ['the Last-Event-ID header', '/', { 'last-event-id': '41' }, {}, '41'],
    ['the lastEventId query parameter', '/?lastEventId=42', {}, {}, '42'],
    ['the header over the query parameter', '/?lastEventId=q', { 'last-event-id': 'h' }, {}, 'h'],
    ['a renamed query parameter', '/?since=43', {}, { lastEventIdQuery: 'since' }, '43'],
    ['nothing on a first connection', '/', {}, {}, undefined],
    [
      'no query parameter when turned off',
      '/?lastEventId=44',
      {},
      { lastEventIdQuery: false as const },
      undefined,
    ],
  ])('reads the last event id from %s', async (_what, path, headers, options, expected) => {
    const { server, opened } = await streamingApp(options);
    try {
      const client = await connect(`${server.url}${path}`, headers);
      const { stream } = await opened;
      expect(stream.lastEventId).toBe(expected);
      client.leave();
    } finally {
      await server.close();
    }
  });

  it('reads the query parameter the client sent even after ctx.url is rewritten (as koa-rewrite does)', async () => {
    const app = new Koa();
    const opened = deferred<SSEStream>();
    app.use(sse());
    app.use(async (ctx, next) => {
      ctx.url = '/internal/events';
      await next();
    });
    const router = new Router({ prefix: '/internal' });
    router.get('/events', (ctx) => opened.resolve(ctx.sse));
    app.use(router.routes());
    const server = await listen(app);
    try {
      const client = await connect(`${server.url}/public?lastEventId=7`);
      expect((await opened.promise).lastEventId).toBe('7');
      client.leave();
    } finally {
      await server.close();
    }
  });

  it('opens on HTTP/2 without connection-specific headers', async () => {
    const app = new Koa();
    const opened = deferred<SSEStream>();
    app.use(sse());
    app.use(async (ctx) => {
      await ctx.sse.send('over h2');
      opened.resolve(ctx.sse);
    });
    const server = createHttp2Server(app.callback()).listen(0, '127.0.0.1');
    await once(server, 'listening');
    const session = connectHttp2(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
    try {
      const req = session.request({ ':path': '/' });
      const [head] = (await once(req, 'response')) as [Record<string, string>];
      expect(head[':status']).toBe(200);
      expect(head['content-type']).toBe('text/event-stream; charset=utf-8');
      expect(head.connection).toBeUndefined();
      (await opened.promise).close();
      const events = [];
      for await (const event of parseEventStream(req)) events.push(event.data);
      expect(events).toEqual(['over h2']);
    } finally {
      session.close();
      server.close();
    }
  });

  it('closes within a second when the client leaves and leaves no listener or heartbeat behind', async () => {
    const baseline = heartbeatStats();
    const before = deferred<{ close: number; drain: number }>();
    const { server, opened } = await streamingApp({ heartbeat: 5_000 }, (ctx) => {
      before.resolve({ close: ctx.res.listenerCount('close'), drain: ctx.res.listenerCount('drain') });
    });
    try {
      const client = await connect(server.url);
      const { stream, ctx } = await opened;
      expect(heartbeatStats().streams).toBe(baseline.streams + 1);
      expect(ctx.res.listenerCount('close')).toBeGreaterThan((await before.promise).close);
      const signal = stream.signal;
      client.leave();
      await waitFor(() => stream.closed, 'the stream to close', 1000);
      expect(stream.closeReason).toBe('client');
      expect(signal.aborted).toBe(true);
      expect({ close: ctx.res.listenerCount('close'), drain: ctx.res.listenerCount('drain') }).toEqual(
        await before.promise,
      );
      expect(heartbeatStats()).toEqual(baseline);
      expect(await stream.send('to nobody')).toBe(false);
    } finally {
      await server.close();
    }
  });
});
