import { type SSEErrorContext, SSERangeError, type SSEStream, sse, ssePlugin } from '@ssekit/fastify';
import { closeAfterTest, deferred, waitFor } from '@ssekit/test-kit';
import Fastify, { type FastifyInstance } from 'fastify';
import { describe, expect, it } from 'vitest';
import { connect, listen, recordingLogger, WARN } from './helpers.js';

/** Reads the raw head and body of `url` up to the first blank line after `retry:`, then leaves. */
async function firstBlock(url: string): Promise<{ headers: Headers; text: string }> {
  const client = await connect(url);
  const reader = client.response.body?.getReader();
  const { value } = (await reader?.read()) ?? {};
  client.leave();
  return { headers: client.response.headers, text: new TextDecoder().decode(value) };
}

describe('ssePlugin scope (encapsulation)', () => {
  it('gives reply.sse to its scope and children, not to a sibling scope', async () => {
    const seen: Record<string, boolean> = {};
    const app = Fastify();
    await app.register(async (withSSE) => {
      await withSSE.register(ssePlugin);
      withSSE.get('/with', (_request, reply) => {
        seen.with = 'sse' in reply;
        reply.sse.close();
      });
      await withSSE.register(async (child) => {
        child.get('/child', (_request, reply) => {
          seen.child = 'sse' in reply;
          reply.sse.close();
        });
      });
    });
    await app.register(async (sibling) => {
      sibling.get('/sibling', async (_request, reply) => {
        seen.sibling = 'sse' in reply;
        seen.siblingInstance = 'sse' in sibling;
        return 'plain';
      });
      sibling.get(
        '/sibling-handler',
        sse((stream) => stream.close()),
      );
    });
    const server = closeAfterTest(await listen(app));

    for (const path of ['/with', '/child']) {
      const response = await fetch(`${server.url}${path}`);
      expect(response.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
    }
    expect(await (await fetch(`${server.url}/sibling`)).text()).toBe('plain');
    const outside = await fetch(`${server.url}/sibling-handler`);
    expect(outside.status).toBe(500);
    expect(await outside.json()).toMatchObject({
      message: expect.stringContaining(
        'sse(handler): only a route handler declared in the scope of @ssekit/fastify',
      ),
    });
    expect(seen).toEqual({ with: true, child: true, sibling: false, siblingInstance: false });
  });

  it("serves a child scope where it is registered again with that registration's options and streams", async () => {
    const app = Fastify();
    await app.register(ssePlugin, { retry: 1000 });
    app.get('/outer', (_request, reply) => void reply.sse);
    let inner: FastifyInstance | undefined;
    await app.register(async (child) => {
      await child.register(ssePlugin, { retry: 2000 });
      inner = child;
      child.get('/inner', (_request, reply) => void reply.sse);
      child.get(
        '/inner-handler',
        sse(() => {}),
      );
    });
    const server = closeAfterTest(await listen(app));

    expect((await firstBlock(`${server.url}/outer`)).text).toBe('retry: 1000\n\n');
    expect((await firstBlock(`${server.url}/inner`)).text).toBe('retry: 2000\n\n');
    expect((await firstBlock(`${server.url}/inner-handler`)).text).toBe('retry: 2000\n\n');
    const open = await connect(`${server.url}/inner`);
    await waitFor(() => inner?.sse.size === 1, 'the inner stream to count in the inner app.sse');
    expect(app.sse.size).toBe(0);
    open.leave();
  });

  it('explains that a route declared before the plugin was registered has no stream', async () => {
    const app = Fastify();
    app.get('/early', (_request, reply) => {
      reply.sse.close();
    });
    await app.register(ssePlugin);
    const server = closeAfterTest(await listen(app));

    const response = await fetch(`${server.url}/early`);
    expect(response.status).toBe(500);
    expect(await response.json()).toMatchObject({
      message: expect.stringContaining(
        'reply.sse: only a route handler declared in the scope of @ssekit/fastify',
      ),
    });
  });

  it('closes the streams of a plugin registered in a child scope when the app closes', async () => {
    const opened = deferred<SSEStream>();
    const app = Fastify();
    let scoped: FastifyInstance | undefined;
    await app.register(async (child) => {
      await child.register(ssePlugin);
      scoped = child;
      child.get('/events', (_request, reply) => opened.resolve(reply.sse));
    });
    const url = await app.listen({ port: 0, host: '127.0.0.1' });

    const client = await connect(`${url}/events`);
    const stream = await opened.promise;
    expect(scoped?.sse.size).toBe(1);
    const began = Date.now();
    await app.close();
    expect(Date.now() - began).toBeLessThan(1000);
    expect(stream.closeReason).toBe('server');
    expect(await client.next()).toBeUndefined();
  });
});

describe('app.close()', () => {
  it('closes every open stream at once, so it does not wait for clients to leave', async () => {
    const opened: SSEStream[] = [];
    const app = Fastify();
    await app.register(ssePlugin);
    app.get('/events', (_request, reply) => void opened.push(reply.sse));
    const url = await app.listen({ port: 0, host: '127.0.0.1' });
    const clients = await Promise.all([connect(`${url}/events`), connect(`${url}/events`)]);
    await waitFor(() => opened.length === 2, 'both streams to open');

    const began = Date.now();
    await app.close();
    expect(Date.now() - began).toBeLessThan(1000);
    expect(opened.map((stream) => stream.closeReason)).toEqual(['server', 'server']);
    for (const client of clients) expect(await client.next()).toBeUndefined();
  });

  it('awaits a drain begun with app.sse.close(options), whose last event every stream gets', async () => {
    const app = Fastify();
    await app.register(ssePlugin);
    app.get('/events', (_request, reply) => void reply.sse);
    const url = await app.listen({ port: 0, host: '127.0.0.1' });
    const clients = await Promise.all(Array.from({ length: 4 }, () => connect(`${url}/events`)));
    await waitFor(() => app.sse.size === 4, 'the streams to open');

    const began = Date.now();
    void app.sse.close({ event: { data: 'bye', event: 'shutdown' }, retry: 5000, over: 400 });
    await app.close();
    // The last of four closes spread over 400 ms comes after 300 ms.
    expect(Date.now() - began).toBeGreaterThanOrEqual(250);
    for (const client of clients) {
      expect(await client.next()).toEqual({ type: 'shutdown', data: 'bye', lastEventId: '' });
      expect(await client.next()).toBeUndefined();
    }
  });
});

describe('options: the plugin, then the route config.sse, then sse(handler, options)', () => {
  it('applies the plugin options, overridden option by option, with headers merged by name', async () => {
    const app = Fastify();
    await app.register(ssePlugin, { retry: 1000, headers: { 'x-plugin': 'p', 'x-both': 'plugin' } });
    app.get('/plugin', (_request, reply) => void reply.sse);
    app.get(
      '/route',
      { config: { sse: { retry: 2000, headers: { 'x-both': 'route' } } } },
      (_request, reply) => void reply.sse,
    );
    app.get(
      '/handler',
      { config: { sse: { retry: 2000, headers: { 'x-route': 'r' } } } },
      sse(() => {}, { retry: 3000, headers: { 'x-both': 'handler' } }),
    );
    const server = closeAfterTest(await listen(app));

    const plugin = await firstBlock(`${server.url}/plugin`);
    expect(plugin.text).toBe('retry: 1000\n\n');
    expect([plugin.headers.get('x-plugin'), plugin.headers.get('x-both')]).toEqual(['p', 'plugin']);
    const route = await firstBlock(`${server.url}/route`);
    expect(route.text).toBe('retry: 2000\n\n');
    expect([route.headers.get('x-plugin'), route.headers.get('x-both')]).toEqual(['p', 'route']);
    const handler = await firstBlock(`${server.url}/handler`);
    expect(handler.text).toBe('retry: 3000\n\n');
    expect([
      handler.headers.get('x-plugin'),
      handler.headers.get('x-route'),
      handler.headers.get('x-both'),
    ]).toEqual(['p', 'r', 'handler']);
  });

  it('refuses a bad option where it was written: at registration, in app.get(...), in sse(...)', async () => {
    const expected = (value: unknown) =>
      expect.objectContaining({ code: 'ERR_SSE_INVALID_OPTION', field: 'heartbeat', value });

    const app = Fastify();
    await expect(app.register(ssePlugin, { heartbeat: -1 })).rejects.toEqual(expected(-1));
    await app.close();

    const ok = Fastify();
    await ok.register(ssePlugin);
    let thrown: unknown;
    try {
      ok.get('/bad', { config: { sse: { heartbeat: 0 } } }, (_request, reply) => void reply.sse);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(SSERangeError);
    expect(thrown).toEqual(expected(0));
    expect(() => sse(() => {}, { heartbeat: Number.NaN })).toThrow(SSERangeError);
    await ok.close();
  });
});

describe('errors after the stream opened', () => {
  type Seen = { error: unknown; closed: boolean; url: string; sameReply: boolean };

  it('go to the handler form onError(error, stream, { request, reply }) after the stream closed', async () => {
    const seen = deferred<Seen>();
    const app = Fastify();
    await app.register(ssePlugin, { onError: () => seen.reject(new Error('the plugin onError ran')) });
    app.get(
      '/events',
      sse(
        async (stream) => {
          await stream.send('before');
          throw new Error('async boom');
        },
        {
          onError: (error, stream, { request, reply }: SSEErrorContext) =>
            seen.resolve({ error, closed: stream.closed, url: request.url, sameReply: reply.sse === stream }),
        },
      ),
    );
    const server = closeAfterTest(await listen(app));

    const client = await connect(`${server.url}/events?x=1`);
    expect(await client.next()).toMatchObject({ data: 'before' });
    expect(await client.next()).toBeUndefined();
    expect(await seen.promise).toEqual({
      error: new Error('async boom'),
      closed: true,
      url: '/events?x=1',
      sameReply: true,
    });
  });

  it("go to the plugin's onError from a route that read reply.sse", async () => {
    const seen = deferred<unknown>();
    const app = Fastify();
    await app.register(ssePlugin, { onError: (error) => seen.resolve(error) });
    app.get('/events', async (_request, reply) => {
      await reply.sse.send('before');
      throw new Error('route boom');
    });
    const server = closeAfterTest(await listen(app));

    const client = await connect(`${server.url}/events`);
    expect(await client.next()).toMatchObject({ data: 'before' });
    expect(await client.next()).toBeUndefined();
    expect(await seen.promise).toEqual(new Error('route boom'));
  });

  it("go to Fastify's logger without onError, as does an error onError throws; the server keeps serving", async () => {
    const { entries, logger } = recordingLogger();
    const app = Fastify({ logger });
    await app.register(ssePlugin);
    app.get(
      '/logged',
      sse(() => {
        throw new Error('handler boom');
      }),
    );
    app.get(
      '/rethrown',
      sse(
        () => {
          throw new Error('handler');
        },
        {
          onError: () => {
            throw new Error('onError boom');
          },
        },
      ),
    );
    app.get(
      '/ok',
      sse((stream) => {
        stream.send('ok');
        stream.close();
      }),
    );
    const server = closeAfterTest(await listen(app));

    expect(await (await connect(`${server.url}/logged`)).next()).toBeUndefined();
    expect(await (await connect(`${server.url}/rethrown`)).next()).toBeUndefined();
    await waitFor(
      () => entries.filter((entry) => entry.level >= WARN).length === 2,
      'two errors to be logged',
    );
    expect(
      entries.filter((entry) => entry.level >= WARN).map((entry) => [entry.level, entry.err?.message]),
    ).toEqual([
      [50, 'handler boom'],
      [50, 'onError boom'],
    ]);
    expect(await (await connect(`${server.url}/ok`)).next()).toMatchObject({ data: 'ok' });
  });
});
