/**
 * One test body for the adapters whose middleware puts a lazy stream on the framework's own object
 * (`res.sse` on Express, `ctx.sse` on Koa, `reply.sse` on Fastify): the stream opens when user code
 * first reads it. The conformance suite checks the handler forms, which every adapter has; this
 * checks the lazy form the same way on each framework that has one.
 */
import {
  connect as connectHttp2,
  createServer as createHttp2Server,
  type Http2ServerRequest,
  type Http2ServerResponse,
} from 'node:http2';
import type { AddressInfo } from 'node:net';
import { heartbeatStats, parseEventStream, type SSEOptions, type SSEStream } from '@ssekit/core';
import { connect, deferred, waitFor } from '@ssekit/test-kit';
import { EventSource } from 'eventsource';
import { afterEach, describe, expect, it } from 'vitest';

/** The Node response under the framework's object, whose listeners the stream adds and removes. */
export interface ListenerCounter {
  listenerCount(event: string): number;
}

/**
 * The user code of the one route: `read()` reads the request's lazy stream (`res.sse`) as user
 * code does, each call a new read; `response` is the Node response under it.
 */
export type LazyRoute = (read: () => SSEStream, response: ListenerCounter) => void | Promise<void>;

/** A running server of the adapter under test. */
export interface LazyServer {
  /** Base URL, `http://127.0.0.1:PORT`, no trailing slash. */
  url: string;
  /** How many streams the adapter's middleware holds open (its `size`). */
  open(): number;
  /** Closes the server, cutting every connection still open. */
  close(): Promise<void>;
}

/** What each adapter with a lazy stream supplies to `describeLazyStream`. */
export interface LazyStreamHarness {
  /** Shown in test names, e.g. `res.sse (express 5)`. */
  name: string;
  /**
   * Starts a server on 127.0.0.1 and a free port with the adapter's middleware applied with
   * `options`, and `GET /events` mounted under `/api` the framework's way (a router, a prefix),
   * running `route`.
   */
  serve(route: LazyRoute, options?: SSEOptions): Promise<LazyServer>;
  /**
   * The same over HTTP/2 without TLS (h2c), the framework's way (`node:http2`'s compatibility API,
   * or the middleware driven directly where the framework cannot run on it).
   */
  serveHttp2(route: LazyRoute, options?: SSEOptions): Promise<LazyServer>;
}

const PATH = '/api/events';

/** Serves `handler` over h2c on 127.0.0.1 and a free port, for a harness's `serveHttp2`. */
export async function listenHttp2(
  handler: (req: Http2ServerRequest, res: Http2ServerResponse) => void,
): Promise<{ url: string; close(): Promise<void> }> {
  const server = createHttp2Server(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

type Listeners = { close: number; drain: number };

/** Registers the lazy-stream tests for `harness`. */
export function describeLazyStream(harness: LazyStreamHarness): void {
  describe(harness.name, () => {
    let server: LazyServer | undefined;
    const serve = async (route: LazyRoute, options?: SSEOptions) => {
      server = await harness.serve(route, options);
      return server;
    };
    afterEach(async () => {
      await server?.close();
      server = undefined;
    });

    it('opens on first read, so a route that only stores the stream lets an EventSource open and get what is sent later', async () => {
      const streams: SSEStream[] = [];
      const { url } = await serve((read) => {
        streams.push(read());
      });
      const source = new EventSource(`${url}${PATH}`);
      try {
        await new Promise<void>((resolve, reject) => {
          source.onopen = () => resolve();
          source.onerror = (event) => reject(new Error(`EventSource error: ${event.message}`));
        });
        expect(streams).toHaveLength(1);
        const message = new Promise<string>((resolve) => {
          source.onmessage = (event) => resolve(event.data);
        });
        await streams[0]?.send('to the stored stream');
        expect(await message).toBe('to the stored stream');
      } finally {
        source.close();
      }
    });

    it('gives HEAD the headers and an ended response; the stream is then closed and its sends resolve false', async () => {
      const seen = deferred<{ closed: boolean; sent: boolean }>();
      const running = await serve(async (read) => {
        const stream = read();
        seen.resolve({ closed: stream.closed, sent: await stream.send('never') });
      });
      const response = await fetch(`${running.url}${PATH}`, {
        method: 'HEAD',
        signal: AbortSignal.timeout(3000),
      });
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
      expect(await seen.promise).toEqual({ closed: true, sent: false });
      expect(running.open()).toBe(0);
    });

    it('returns the same stream on every read', async () => {
      const reads = deferred<[SSEStream, SSEStream]>();
      const { url } = await serve((read) => {
        reads.resolve([read(), read()]);
        read().close();
      });
      await (await connect(`${url}${PATH}`)).next();
      const [first, second] = await reads.promise;
      expect(second).toBe(first);
    });

    it('stays open after the route returns, until close() ends the response with nothing after the events', async () => {
      const opened = deferred<SSEStream>();
      const { url } = await serve((read) => {
        opened.resolve(read());
      });
      const client = await connect(`${url}${PATH}`);
      const stream = await opened.promise;
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(stream.closed).toBe(false);
      await stream.send('later', { id: '1' });
      expect(await client.next()).toEqual({ type: 'message', data: 'later', lastEventId: '1' });
      stream.close();
      expect(await client.rest()).toEqual([]);
      expect(stream.closeReason).toBe('server');
    });

    it('reads the last event id from the Last-Event-ID header and from the query parameter, under a mounted prefix', async () => {
      const seen: Array<string | undefined> = [];
      const { url } = await serve((read) => {
        seen.push(read().lastEventId);
        read().close();
      });
      await (await connect(`${url}${PATH}`, { 'last-event-id': 'from-header' })).next();
      await (await connect(`${url}${PATH}?lastEventId=from-query`)).next();
      await (await connect(`${url}${PATH}`)).next();
      expect(seen).toEqual(['from-header', 'from-query', undefined]);
    });

    it('streams over HTTP/2 without the HTTP/1-only Connection header, even one asked for, and closes when the client leaves', async () => {
      const opened = deferred<SSEStream>();
      const written: Array<Record<string, unknown>> = [];
      const running = await harness.serveHttp2(
        (read, response) => {
          // node:http2 drops a Connection header itself (with a process warning), so the client
          // cannot tell: look at what the stream asked for.
          const target = response as unknown as { writeHead(status: number, headers: object): unknown };
          const writeHead = target.writeHead.bind(target);
          target.writeHead = (status, headers) => {
            written.push(headers as Record<string, unknown>);
            return writeHead(status, headers);
          };
          const stream = read();
          void stream.send('over h2', { id: stream.lastEventId ?? 'none' });
          opened.resolve(stream);
        },
        { headers: { connection: 'keep-alive' } },
      );
      server = running;
      const session = connectHttp2(running.url);
      try {
        const request = session.request({ ':path': PATH, 'last-event-id': 'h2-id' });
        const headers = await new Promise<Record<string, unknown>>((resolve) =>
          request.on('response', resolve),
        );
        expect(headers[':status']).toBe(200);
        expect(headers['content-type']).toBe('text/event-stream; charset=utf-8');
        expect(headers.connection).toBeUndefined();
        expect(written).toHaveLength(1);
        expect(Object.keys(written[0] ?? {})).not.toContain('connection');

        const events = parseEventStream(request);
        expect((await events.next()).value).toEqual({
          type: 'message',
          data: 'over h2',
          lastEventId: 'h2-id',
        });

        const stream = await opened.promise;
        request.close();
        await waitFor(() => stream.closed, 'the stream to close', 1000);
        expect(stream.closeReason).toBe('client');
        expect(running.open()).toBe(0);
      } finally {
        session.destroy();
      }
    });

    it('closes within a second when the client leaves, leaving no listener, heartbeat or open stream behind', async () => {
      const baseline = heartbeatStats();
      const count = (response: ListenerCounter): Listeners => ({
        close: response.listenerCount('close'),
        drain: response.listenerCount('drain'),
      });
      const opened = deferred<{ stream: SSEStream; before: Listeners; current: () => Listeners }>();
      const running = await serve(
        (read, response) => {
          const before = count(response);
          opened.resolve({ stream: read(), before, current: () => count(response) });
        },
        { heartbeat: 1000 },
      );
      const client = await connect(`${running.url}${PATH}`);
      const { stream, before, current } = await opened.promise;
      expect(current().close).toBeGreaterThan(before.close);
      expect(heartbeatStats().streams).toBe(baseline.streams + 1);
      expect(running.open()).toBe(1);

      const left = Date.now();
      client.leave();
      await waitFor(() => stream.closed, 'the stream to close', 1000);
      expect(Date.now() - left).toBeLessThan(1000);
      expect(stream.closeReason).toBe('client');
      expect(stream.signal.aborted).toBe(true);
      expect(current()).toEqual(before);
      expect(heartbeatStats()).toEqual(baseline);
      expect(running.open()).toBe(0);
      expect(await stream.send('after')).toBe(false);
    });
  });
}
