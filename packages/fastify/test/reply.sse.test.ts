import { describeLazyStream, type LazyRoute } from '@ssekit/conformance/lazy-stream';
import { type SSEOptions, sseOf, ssePlugin } from '@ssekit/fastify';
import { closeAfterTest, deferred } from '@ssekit/test-kit';
import Fastify, { type FastifyInstance } from 'fastify';
import { describe, expect, it } from 'vitest';
import { connect, listen } from './helpers.js';

/** A Fastify app (`Fastify(options)`) with the plugin, and `route` at GET /api/events. */
async function lazyApp(app: FastifyInstance, route: LazyRoute, options: SSEOptions = {}) {
  await app.register(ssePlugin, options);
  await app.register(
    async (api) => {
      api.get('/events', (_request, reply) => route(() => reply.sse, reply.raw));
    },
    { prefix: '/api' },
  );
  return { ...(await listen(app)), open: () => app.sse.size };
}

describeLazyStream({
  name: 'reply.sse',
  serve: (route, options) => lazyApp(Fastify(), route, options),
  serveHttp2: (route, options) =>
    lazyApp(Fastify({ http2: true }) as unknown as FastifyInstance, route, options),
});

describe('reply.sse', () => {
  it('leaves a route that never reads it to Fastify', async () => {
    const app = Fastify();
    await app.register(ssePlugin);
    app.get('/json', async () => ({ ok: true }));
    app.get('/sent', (_request, reply) => reply.code(201).send('sent'));
    const server = closeAfterTest(await listen(app));

    const json = await fetch(`${server.url}/json`);
    expect(json.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(await json.json()).toEqual({ ok: true });
    const sent = await fetch(`${server.url}/sent`);
    expect([sent.status, await sent.text()]).toEqual([201, 'sent']);
  });

  it('sends the headers set through reply.header (as @fastify/cors does) with the stream', async () => {
    const app = Fastify();
    await app.register(ssePlugin);
    app.addHook('onRequest', async (_request, reply) => {
      reply.header('access-control-allow-origin', 'https://app.example');
    });
    app.get('/events', (_request, reply) => {
      reply.header('x-route', 'events').sse.close();
    });
    const server = closeAfterTest(await listen(app));

    const response = await fetch(`${server.url}/events`);
    expect(response.headers.get('access-control-allow-origin')).toBe('https://app.example');
    expect(response.headers.get('x-route')).toBe('events');
    expect(response.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
    expect(await response.text()).toBe('');
  });

  it('returns the same stream on every read, which is what sseOf(reply) returns', async () => {
    const reads = deferred<boolean>();
    const app = Fastify();
    await app.register(ssePlugin);
    app.get('/events', (_request, reply) => {
      const first = reply.sse;
      reads.resolve(reply.sse === first && sseOf<{ tick: number }>(reply) === first);
      reply.sse.close();
    });
    const server = closeAfterTest(await listen(app));

    await (await connect(`${server.url}/events`)).next();
    expect(await reads.promise).toBe(true);
  });

  it('leaves an error thrown before the stream opened to Fastify, which answers it', async () => {
    const app = Fastify();
    await app.register(ssePlugin);
    app.get('/events', async () => {
      throw Object.assign(new Error('not allowed'), { statusCode: 403 });
    });
    const server = closeAfterTest(await listen(app));

    const response = await fetch(`${server.url}/events`);
    expect(response.status).toBe(403);
    expect(await response.json()).toMatchObject({ message: 'not allowed' });
  });
});
