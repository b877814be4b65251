// The README's test-kit recipes, as tests: Vitest with supertest (Express, Koa) and with Hono's
// app.request, plus what collect does when things go wrong.
import Router from '@koa/router';
import { collect, waitForMembers } from '@ssekit/client/testing';
import { createChannel } from '@ssekit/core';
import { sse as expressSse } from '@ssekit/express';
import { sse as honoSse } from '@ssekit/hono';
import { sse as koaSse } from '@ssekit/koa';
import express from 'express';
import { Hono } from 'hono';
import Koa from 'koa';
import request from 'supertest';
import { describe, expect, it } from 'vitest';

describe('recipe: Express with supertest', () => {
  const channel = createChannel<{ message: string }>();
  const app = express();
  app.get(
    '/events',
    expressSse((stream) => channel.add(stream)),
  );
  app.post('/messages', express.text(), async (req, res) => {
    await channel.send(req.body);
    res.status(201).end();
  });

  it('streams what is posted', async () => {
    const events = collect(app, { path: '/events', count: 1 });
    await waitForMembers(channel, 1);
    await request(app).post('/messages').type('text').send('hello').expect(201);
    expect(await events).toEqual([{ type: 'message', data: 'hello', lastEventId: '' }]);
    // collect closed the connection: the server saw the client leave.
    await expect.poll(() => channel.size).toBe(0);
  });
});

describe('recipe: Koa with supertest', () => {
  const channel = createChannel<{ joined: { name: string } }>();
  const app = new Koa();
  const router = new Router();
  router.get(
    '/events',
    koaSse((stream) => channel.add(stream)),
  );
  router.post('/join/:name', async (ctx) => {
    await channel.send({ name: ctx.params.name! }, { event: 'joined' });
    ctx.status = 201;
  });
  app.use(router.routes());

  it('streams who joined', async () => {
    const events = collect(app.callback(), { path: '/events', until: (event) => event.data.includes('bob') });
    await waitForMembers(channel, 1);
    await request(app.callback()).post('/join/ada').expect(201);
    await request(app.callback()).post('/join/bob').expect(201);
    expect((await events).map((event) => JSON.parse(event.data))).toEqual([{ name: 'ada' }, { name: 'bob' }]);
  });
});

describe('recipe: Hono with app.request', () => {
  const channel = createChannel();
  const app = new Hono();
  app.get(
    '/events',
    honoSse((stream) => {
      void stream.send('welcome', { event: 'hello', id: '1' });
      channel.add(stream);
    }),
  );
  app.post('/ping', async (c) => {
    await channel.send('pong');
    return c.body(null, 201);
  });

  it('streams the greeting, then a broadcast', async () => {
    const events = collect(app.request('/events'), { count: 2 });
    await waitForMembers(channel, 1);
    expect((await app.request('/ping', { method: 'POST' })).status).toBe(201);
    expect(await events).toEqual([
      { type: 'hello', data: 'welcome', lastEventId: '1' },
      { type: 'message', data: 'pong', lastEventId: '1' },
    ]);
  });

  it('reads a Hono app directly, with a path', async () => {
    expect(await collect(app, { path: '/events', count: 1 })).toEqual([
      { type: 'hello', data: 'welcome', lastEventId: '1' },
    ]);
  });
});

describe('collect', () => {
  const app = new Hono();
  app.get(
    '/two',
    honoSse((stream) => {
      void stream.send('a');
      void stream.send('b');
      stream.close();
    }),
  );
  app.get(
    '/quiet',
    honoSse(() => {}),
  );
  app.get('/plain', (c) => c.text('not a stream', 404));

  it('reads to the end of a stream that ends by itself', async () => {
    expect((await collect(app.request('/two'))).map((event) => event.data)).toEqual(['a', 'b']);
  });

  it('fails after its timeout, or at the end of the stream, with the events it got', async () => {
    await expect(collect(app.request('/two'), { count: 3 })).rejects.toThrow(
      /the stream ended waiting for 3 events; got 2: \[\{"type":"message","data":"a"/,
    );
    await expect(collect(app.request('/quiet'), { timeout: 100 })).rejects.toThrow(
      /did not end within 100 ms/,
    );
    await expect(collect(app.request('/quiet'), { count: 1, timeout: 100 })).rejects.toThrow(
      /timed out after 100 ms waiting for 1 events; got 0/,
    );
  });

  it('fails on a response that is not an event stream, quoting it', async () => {
    await expect(collect(app.request('/plain'))).rejects.toThrow(/status 404 .*not a stream/);
  });

  it('reads a URL and an http.Server that is already listening, and leaves it listening', async () => {
    const { serve } = await import('@hono/node-server');
    const server = await new Promise<ReturnType<typeof serve>>((resolve) => {
      const running = serve({ fetch: app.fetch, hostname: '127.0.0.1', port: 0 }, () => resolve(running));
    });
    try {
      const { port } = server.address() as { port: number };
      expect(await collect(`http://127.0.0.1:${port}/two`)).toHaveLength(2);
      expect(await collect(server as never, { path: '/two', count: 1 })).toHaveLength(1);
      expect(server.listening).toBe(true);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
