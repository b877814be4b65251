import { heartbeatStats, type ParsedEvent, parseEventStream, type SSEStream } from '@ssekit/core';
import { createStreamGroup, sse, sseResponse } from '@ssekit/hono';
import { deferred, describeOptionChecks, waitFor } from '@ssekit/test-kit';
import { EventSource } from 'eventsource';
import { Hono } from 'hono';
import { describe, expect, it, vi } from 'vitest';
import { serverPerTest } from './node-server.js';

const { start, defer } = serverPerTest();

/** Opens an event stream and reads its events one at a time; aborting the request leaves. */
async function open(url: string, headers: Record<string, string> = {}) {
  const controller = new AbortController();
  defer(() => controller.abort());
  const response = await fetch(url, { headers, signal: controller.signal });
  const events = parseEventStream(response.body!)[Symbol.asyncIterator]();
  return {
    response,
    next: async (): Promise<ParsedEvent | undefined> => (await events.next()).value,
    leave: () => controller.abort(),
  };
}

describe('sse() on Node (@hono/node-server)', () => {
  it('answers 200 with the event-stream headers before the handler has finished', async () => {
    const release = deferred<void>();
    const app = new Hono().get(
      '/events',
      sse(async (stream) => {
        await release.promise;
        stream.send('late');
      }),
    );
    const client = await open(`${await start(app)}/events`);
    expect(client.response.status).toBe(200);
    expect(client.response.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
    expect(client.response.headers.get('cache-control')).toBe('no-cache, no-transform');
    expect(client.response.headers.get('x-accel-buffering')).toBe('no');
    release.resolve();
    expect(await client.next()).toEqual({ type: 'message', data: 'late', lastEventId: '' });
  });

  it('answers from a handler of your own with sseResponse(c, handler)', async () => {
    const app = new Hono().get('/rooms/:room', (c) =>
      sseResponse(c, (stream) => {
        stream.send(`room ${c.req.param('room')}`);
        stream.close();
      }),
    );
    const client = await open(`${await start(app)}/rooms/blue`);
    expect(client.response.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
    expect((await client.next())?.data).toBe('room blue');
    expect(await client.next()).toBeUndefined();
  });

  it('drains the streams sseResponse opened in a group given as group', async () => {
    const group = createStreamGroup();
    const app = new Hono().get('/events', (c) => sseResponse(c, () => {}, { group }));
    const client = await open(`${await start(app)}/events`);
    await waitFor(() => group.size === 1, 'the stream to join the group');
    await group.close({ event: { event: 'bye', data: 'restart' }, retry: 5000 });
    expect(await client.next()).toEqual({ type: 'bye', data: 'restart', lastEventId: '' });
    expect(await client.next()).toBeUndefined();
    expect(group.size).toBe(0);
  });

  it('leaves the Connection header to the runtime', async () => {
    const app = new Hono().get(
      '/events',
      sse(() => {}),
    );
    const response = await app.request('/events');
    expect(response.status).toBe(200);
    expect(response.headers.has('connection')).toBe(false);
    await response.body?.cancel();
  });

  it('keeps the stream open after the handler returns, until close()', async () => {
    const opened = deferred<SSEStream>();
    const app = new Hono().get(
      '/events',
      sse((stream) => {
        stream.send('first');
        opened.resolve(stream);
      }),
    );
    const client = await open(`${await start(app)}/events`);
    const stream = await opened.promise;
    expect((await client.next())?.data).toBe('first');
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(stream.closed).toBe(false);
    await stream.send('second');
    expect((await client.next())?.data).toBe('second');
    stream.close();
    expect(await client.next()).toBeUndefined();
    expect(stream.closeReason).toBe('server');
  });

  it('closes the stream within a second of the client leaving, leaving no heartbeat behind', async () => {
    const baseline = heartbeatStats();
    const opened = deferred<SSEStream>();
    const app = new Hono().get(
      '/events',
      sse((stream) => {
        stream.send('hello');
        opened.resolve(stream);
      }),
    );
    const client = await open(`${await start(app)}/events`);
    const stream = await opened.promise;
    expect((await client.next())?.data).toBe('hello');
    expect(heartbeatStats().streams).toBe(baseline.streams + 1);

    client.leave();
    await waitFor(() => stream.closed, 'the stream to close', 1000);
    expect(stream.closeReason).toBe('client');
    expect(stream.signal.aborted).toBe(true);
    expect(stream.bufferedBytes).toBe(0);
    expect(heartbeatStats()).toEqual(baseline);
    expect(await stream.send('too late')).toBe(false);
  });

  it('reads Last-Event-ID from the header, else from the lastEventId query parameter', async () => {
    const app = new Hono().get(
      '/events',
      sse((stream) => {
        stream.send(stream.lastEventId ?? '(none)');
        stream.close();
      }),
    );
    const url = `${await start(app)}/events`;
    const lastEventIdSeen = async (path: string, headers?: Record<string, string>) =>
      (await (await open(`${url}${path}`, headers)).next())?.data;
    expect(await lastEventIdSeen('')).toBe('(none)');
    expect(await lastEventIdSeen('', { 'last-event-id': '7' })).toBe('7');
    expect(await lastEventIdSeen('?lastEventId=8')).toBe('8');
    expect(await lastEventIdSeen('?lastEventId=8', { 'last-event-id': '7' })).toBe('7');
  });

  it('lets an EventSource resume from the last id it received', async () => {
    const app = new Hono().get(
      '/events',
      sse(
        (stream) => {
          if (stream.lastEventId === undefined) {
            stream.send('one', { id: '1' });
            stream.close();
          } else {
            stream.send(`resumed after ${stream.lastEventId}`);
          }
        },
        { retry: 20 },
      ),
    );
    const source = new EventSource(`${await start(app)}/events`);
    defer(() => source.close());
    const received: string[] = [];
    await new Promise<void>((resolve) => {
      source.onmessage = (event) => {
        received.push(event.data);
        if (received.length === 2) resolve();
      };
    });
    expect(received).toEqual(['one', 'resumed after 1']);
  });

  describe.each([
    {
      how: 'throws',
      handler: (stream: SSEStream, error: Error) => {
        stream.send('before');
        throw error;
      },
    },
    {
      how: 'rejects',
      handler: async (stream: SSEStream, error: Error) => {
        stream.send('before');
        await new Promise((resolve) => setTimeout(resolve, 10));
        throw error;
      },
    },
  ])('a handler that $how', ({ handler }) => {
    it('closes its stream and hands the error, the stream and the context to onError', async () => {
      const boom = new Error('boom');
      const failed = deferred<{ error: unknown; stream: SSEStream; path: string }>();
      const app = new Hono().get(
        '/events',
        sse((stream) => handler(stream, boom), {
          onError: (error, stream, c) => failed.resolve({ error, stream, path: c.req.path }),
        }),
      );
      const client = await open(`${await start(app)}/events`);
      expect((await client.next())?.data).toBe('before');
      expect(await client.next()).toBeUndefined();
      const { error, stream, path } = await failed.promise;
      expect(error).toBe(boom);
      expect(stream.closeReason).toBe('server');
      expect(path).toBe('/events');
    });

    it('is logged with console.error when there is no onError, and never left unhandled', async () => {
      const boom = new Error('boom');
      const unhandled: unknown[] = [];
      const onUnhandled = (reason: unknown) => unhandled.push(reason);
      process.on('unhandledRejection', onUnhandled);
      defer(() => process.off('unhandledRejection', onUnhandled));
      const logged = vi.spyOn(console, 'error').mockImplementation(() => {});
      const app = new Hono().get(
        '/events',
        sse((stream) => handler(stream, boom)),
      );
      const client = await open(`${await start(app)}/events`);
      expect((await client.next())?.data).toBe('before');
      expect(await client.next()).toBeUndefined();
      expect(logged).toHaveBeenCalledWith(expect.stringMatching(/^\[@ssekit\/hono\] /), boom);
      await new Promise((resolve) => setTimeout(resolve, 20));
      expect(unhandled).toEqual([]);
    });
  });

  it('logs an onError that fails itself instead of leaving it unhandled', async () => {
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    defer(() => process.off('unhandledRejection', onUnhandled));
    const logged = vi.spyOn(console, 'error').mockImplementation(() => {});
    const reportFailed = new Error('report failed');
    const app = new Hono().get(
      '/events',
      sse(
        () => {
          throw new Error('boom');
        },
        { onError: async () => Promise.reject(reportFailed) },
      ),
    );
    const client = await open(`${await start(app)}/events`);
    expect(await client.next()).toBeUndefined();
    await waitFor(() => logged.mock.calls.length > 0, 'the error to be logged', 1000);
    expect(logged).toHaveBeenCalledWith(expect.stringMatching(/^\[@ssekit\/hono\] .*onError/), reportFailed);
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(unhandled).toEqual([]);
  });
});

describeOptionChecks({ handler: (options) => sse(() => {}, options) });

describe('sse(options) without a handler', () => {
  it('throws at the call, as Express and Koa do for a bad option, not on every request', () => {
    // Hono has no middleware form: `sse({ heartbeat: -1 })` written as on Express must fail at startup.
    const call = () => sse({ heartbeat: -1 } as never);
    expect(call).toThrow(
      expect.objectContaining({ name: 'SSEFieldError', code: 'ERR_SSE_INVALID_OPTION', field: 'handler' }),
    );
    expect(call).toThrow(/sse\(handler, options\)/);
  });
});
