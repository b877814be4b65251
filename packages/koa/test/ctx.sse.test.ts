import { Router } from '@koa/router';
import { describeLazyStream, type LazyRoute, listenHttp2 } from '@ssekit/conformance/lazy-stream';
import type { SSEStream } from '@ssekit/core';
import { deferred } from '@ssekit/test-kit';
import type Koa from 'koa';
import { describe, expect, expectTypeOf, it } from 'vitest';
import { type SSEKoaOptions, sse, sseOf } from '../src/index.js';
import { connect, koas, listen } from './helpers.js';

for (const [name, Koa] of koas) {
  /** An app with the middleware, and `route` at GET /api/events. */
  const lazyApp = (route: LazyRoute, options?: SSEKoaOptions) => {
    const app = new Koa();
    const middleware = sse(options);
    app.use(middleware);
    const router = new Router({ prefix: '/api' });
    router.get('/events', (ctx) => route(() => ctx.sse, ctx.res));
    app.use(router.routes());
    return { app, open: () => middleware.size };
  };
  describeLazyStream({
    name: `ctx.sse (${name})`,
    async serve(route, options) {
      const { app, open } = lazyApp(route, options);
      return { ...(await listen(app)), open };
    },
    async serveHttp2(route, options) {
      const { app, open } = lazyApp(route, options);
      return { ...(await listenHttp2(app.callback())), open };
    },
  });
}

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
});
