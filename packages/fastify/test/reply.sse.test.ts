import { heartbeatStats, type SSEStream, sseOf, ssePlugin } from '@ssekit/fastify';
import { deferred, waitFor } from '@ssekit/test-kit';
import { EventSource } from 'eventsource';
import Fastify from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { connect, listen, type TestServer } from './helpers.js';

describe('reply.sse', () => {
  let server: TestServer | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  it('opens the stream on first read, so a handler that only stores it lets the client open', async () => {
    const streams = new Set<SSEStream>();
    const app = Fastify();
    await app.register(ssePlugin);
    app.get('/events', (_request, reply) => {
      streams.add(reply.sse);
    });
    server = await listen(app);

    const source = new EventSource(`${server.url}/events`);
    try {
      await new Promise<void>((resolve, reject) => {
        source.onopen = () => resolve();
        source.onerror = (event) => reject(new Error(`EventSource error: ${event.message}`));
      });
      expect(streams.size).toBe(1);
    } finally {
      source.close();
    }
  });

  it('leaves a route that never reads it to Fastify', async () => {
    const app = Fastify();
    await app.register(ssePlugin);
    app.get('/json', async () => ({ ok: true }));
    app.get('/sent', (_request, reply) => reply.code(201).send('sent'));
    server = await listen(app);

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
    server = await listen(app);

    const response = await fetch(`${server.url}/events`);
    expect(response.headers.get('access-control-allow-origin')).toBe('https://app.example');
    expect(response.headers.get('x-route')).toBe('events');
    expect(response.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
    expect(await response.text()).toBe('');
  });

  it('gives HEAD the headers and an ended response; reply.sse is then closed and its sends resolve false', async () => {
    const seen = deferred<{ closed: boolean; sent: boolean }>();
    const app = Fastify();
    await app.register(ssePlugin);
    app.get('/events', async (_request, reply) => {
      const stream = reply.sse;
      seen.resolve({ closed: stream.closed, sent: await stream.send('never') });
    });
    server = await listen(app);

    const response = await fetch(`${server.url}/events`, {
      method: 'HEAD',
      signal: AbortSignal.timeout(3000),
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
    expect(await seen.promise).toEqual({ closed: true, sent: false });
    expect(app.sse.size).toBe(0);
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
    server = await listen(app);

    await (await connect(`${server.url}/events`)).next();
    expect(await reads.promise).toBe(true);
  });

  it('reads the last event id from the Last-Event-ID header and from the query parameter, under a prefix', async () => {
    const seen: Array<string | undefined> = [];
    const app = Fastify();
    await app.register(ssePlugin);
    await app.register(
      async (api) => {
        api.get('/events', (_request, reply) => {
          seen.push(reply.sse.lastEventId);
          reply.sse.close();
        });
      },
      { prefix: '/api' },
    );
    server = await listen(app);

    await (await connect(`${server.url}/api/events`, { 'last-event-id': 'from-header' })).next();
    await (await connect(`${server.url}/api/events?lastEventId=from-query`)).next();
    await (await connect(`${server.url}/api/events`)).next();
    expect(seen).toEqual(['from-header', 'from-query', undefined]);
  });

  it('closes within a second when the client leaves, leaving no listener or heartbeat behind', async () => {
    const baseline = heartbeatStats();
    const opened = deferred<{ stream: SSEStream; before: number; during: number; count: () => number }>();
    const app = Fastify();
    await app.register(ssePlugin, { heartbeat: 1000 });
    app.get('/events', (_request, reply) => {
      const count = () => reply.raw.listenerCount('close') + reply.raw.listenerCount('drain');
      const before = count();
      const stream = reply.sse;
      opened.resolve({ stream, before, during: count(), count });
    });
    server = await listen(app);

    const client = await connect(`${server.url}/events`);
    const { stream, before, during, count } = await opened.promise;
    expect(during).toBeGreaterThan(before);
    expect(heartbeatStats().streams).toBe(baseline.streams + 1);
    expect(app.sse.size).toBe(1);

    const left = Date.now();
    client.leave();
    await waitFor(() => stream.closed, 'the stream to close', 1000);
    expect(Date.now() - left).toBeLessThan(1000);
    expect(stream.closeReason).toBe('client');
    expect(count()).toBe(before);
    expect(heartbeatStats()).toEqual(baseline);
    expect(app.sse.size).toBe(0);
    expect(await stream.send('after')).toBe(false);
  });

  it('leaves an error thrown before the stream opened to Fastify, which answers it', async () => {
    const app = Fastify();
    await app.register(ssePlugin);
    app.get('/events', async () => {
      throw Object.assign(new Error('not allowed'), { statusCode: 403 });
    });
    server = await listen(app);

    const response = await fetch(`${server.url}/events`);
    expect(response.status).toBe(403);
    expect(await response.json()).toMatchObject({ message: 'not allowed' });
  });
});
