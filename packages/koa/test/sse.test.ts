import { Router } from '@koa/router';
import type { SSEStream } from '@ssekit/core';
import { deferred, describeOptionChecks } from '@ssekit/test-kit';
import type Koa from 'koa';
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { sse } from '../src/index.js';
import { connect, koas, listen } from './helpers.js';

describe.each(koas)('sse() on %s', (_name, Koa) => {
  /** The same routes, none of which reads ctx.sse: with and without the middleware they must answer alike. */
  function plainApp(withSSE: boolean): Koa {
    const app = new Koa();
    app.silent = true;
    if (withSSE) app.use(sse());
    // A logger that copies the context must not open the stream by touching ctx.sse.
    const logged: object[] = [];
    app.use(async (ctx, next) => {
      await next();
      logged.push({ ...ctx });
    });
    const router = new Router();
    router.get('/json', (ctx) => {
      ctx.set('X-Custom', 'yes');
      ctx.body = { hello: 'world' };
    });
    router.post('/created', (ctx) => {
      ctx.status = 201;
      ctx.type = 'text/plain';
      ctx.body = 'made';
    });
    router.get('/teapot', (ctx) => ctx.throw(418, 'short and stout'));
    router.get('/empty', (ctx) => {
      ctx.status = 204;
    });
    app.use(router.routes());
    return app;
  }

  it.each([
    ['get', '/json'],
    ['post', '/created'],
    ['get', '/teapot'],
    ['get', '/empty'],
    ['get', '/missing'],
    ['head', '/json'],
  ] as const)(
    'leaves %s %s, which never reads ctx.sse, as it is without the middleware',
    async (method, path) => {
      const [withSSE, without] = await Promise.all([
        request(plainApp(true).callback())[method](path),
        request(plainApp(false).callback())[method](path),
      ]);
      const { date: _a, ...headersWith } = withSSE.headers;
      const { date: _b, ...headersWithout } = without.headers;
      expect(withSSE.status).toBe(without.status);
      expect(headersWith).toEqual(headersWithout);
      expect(withSSE.text).toEqual(without.text);
      expect(withSSE.body).toEqual(without.body);
    },
  );

  it('gives ctx.sse to a @koa/router route that mounts it, with that route’s options', async () => {
    const app = new Koa();
    const router = new Router();
    router.get('/events', sse({ retry: 1234 }), async (ctx) => {
      await ctx.sse.send('routed');
      ctx.sse.close();
    });
    router.get('/other', (ctx) => {
      ctx.body = 'other';
    });
    app.use(router.routes());
    const server = await listen(app);
    try {
      const response = await fetch(`${server.url}/events`);
      expect(response.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
      expect(await response.text()).toBe('retry: 1234\n\ndata: routed\n\n');
      await request(server.server).get('/other').expect(200, 'other');
      await request(server.server).get('/nowhere').expect(404);
    } finally {
      await server.close();
    }
  });

  it('applies a route’s own sse() options over a global sse()', async () => {
    const app = new Koa();
    app.use(sse({ retry: 1 }));
    const router = new Router();
    router.get('/events', sse({ retry: 1234 }), (ctx) => ctx.sse.close());
    app.use(router.routes());
    const response = await request(app.callback()).get('/events').buffer(true);
    expect(response.text).toBe('retry: 1234\n\n');
  });

  it('keeps a stream already opened upstream when a later sse() runs', async () => {
    const app = new Koa();
    const reads: SSEStream[] = [];
    app.use(sse());
    app.use(async (ctx, next) => {
      reads.push(ctx.sse);
      await next();
    });
    app.use(sse({ retry: 1234 }));
    app.use((ctx) => {
      reads.push(ctx.sse);
      ctx.sse.close();
    });
    const response = await request(app.callback()).get('/').buffer(true);
    expect(response.status).toBe(200);
    expect(response.text).toBe('');
    expect(reads[1]).toBe(reads[0]);
  });

  describe('when downstream code throws', () => {
    async function throwingApp(fail: (ctx: Koa.Context) => Promise<void> | void, onError?: boolean) {
      const app = new Koa();
      app.silent = true;
      const caught: Array<{ error: unknown; ctx: Koa.Context; stream: SSEStream | undefined }> = [];
      const reported = deferred<void>();
      const record = (error: unknown, ctx: Koa.Context) => {
        caught.push({ error, ctx, stream: ctx.respond === false ? ctx.sse : undefined });
        reported.resolve();
      };
      if (onError) app.use(sse({ onError: (error, _stream, ctx) => record(error, ctx) }));
      else {
        app.on('error', record);
        app.use(sse());
      }
      app.use(fail);
      return { server: await listen(app), caught, reported: reported.promise };
    }

    it('after the stream opened (sync): closes the stream and calls onError(error, stream, ctx), writing no error', async () => {
      const boom = new Error('boom');
      const { server, caught, reported } = await throwingApp((ctx) => {
        ctx.sse.comment('opened');
        throw boom;
      }, true);
      try {
        const response = await fetch(server.url);
        expect(response.status).toBe(200);
        expect(await response.text()).toBe(': opened\n\n');
        await reported;
        expect(caught).toHaveLength(1);
        expect(caught[0]!.error).toBe(boom);
        expect(caught[0]!.stream?.closeReason).toBe('server');
      } finally {
        await server.close();
      }
    });

    it('after the stream opened (async): delivers what was sent, then closes and calls onError', async () => {
      const boom = new Error('later');
      const { server, caught, reported } = await throwingApp(async (ctx) => {
        await ctx.sse.send('before');
        await new Promise((r) => setTimeout(r, 20));
        throw boom;
      }, true);
      try {
        const client = await connect(server.url);
        expect(await client.rest()).toEqual([{ type: 'message', data: 'before', lastEventId: '' }]);
        await reported;
        expect(caught.map((c) => c.error)).toEqual([boom]);
      } finally {
        await server.close();
      }
    });

    it('after the stream opened, without onError: emits the error on the app as Koa does', async () => {
      const boom = new Error('unhandled');
      const { server, caught, reported } = await throwingApp(async (ctx) => {
        ctx.sse.comment('opened');
        throw boom;
      });
      try {
        const response = await fetch(server.url);
        expect(await response.text()).toBe(': opened\n\n');
        await reported;
        expect(caught).toHaveLength(1);
        expect(caught[0]!.error).toBe(boom);
        expect(caught[0]!.stream?.closed).toBe(true);
      } finally {
        await server.close();
      }
    });

    it('after the stream opened, with an onError that throws: Koa emits that error and keeps serving', async () => {
      const app = new Koa();
      const emitted = deferred<unknown>();
      const fromOnError = new Error('from onError');
      app.on('error', (error) => emitted.resolve(error));
      app.use(
        sse({
          onError: () => {
            throw fromOnError;
          },
        }),
      );
      app.use((ctx) => {
        if (ctx.path === '/ok') {
          ctx.body = 'ok';
          return;
        }
        ctx.sse.comment('opened');
        throw new Error('route failed');
      });
      const server = await listen(app);
      try {
        expect(await (await fetch(server.url)).text()).toBe(': opened\n\n');
        expect(await emitted.promise).toBe(fromOnError);
        expect(await (await fetch(`${server.url}/ok`)).text()).toBe('ok');
      } finally {
        await server.close();
      }
    });

    it('before the stream opened: rethrows, so Koa answers with the error status and onError is not called', async () => {
      const { server, caught } = await throwingApp((ctx) => ctx.throw(418, 'not yet'), true);
      try {
        const response = await request(server.server).get('/');
        expect(response.status).toBe(418);
        expect(response.text).toBe('not yet');
        expect(caught).toEqual([]);
      } finally {
        await server.close();
      }
    });
  });
});

describeOptionChecks({
  middleware: (options) => sse(options),
  handler: (options) => sse(() => {}, options),
});
