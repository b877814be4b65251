import type { ServerResponse } from 'node:http';
import { heartbeatStats, type SSEStream, sse, sseOf } from '@ssekit/express';
import { deferred, waitFor } from '@ssekit/test-kit';
import { EventSource } from 'eventsource';
import type { NextFunction, Request, Response } from 'express';
import { afterEach, describe, expect, it } from 'vitest';
import { expectBeforeThenEnd, recordRoutedError } from './error-routing.js';
import { connect, expressVersions, listen, type TestServer } from './helpers.js';

describe.each(expressVersions)('res.sse (%s)', (_name, express) => {
  let server: TestServer | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  it('opens the stream on first read, so a handler that only stores it lets the client open', async () => {
    const streams = new Set<SSEStream>();
    const app = express();
    app.use(sse());
    app.get('/events', (_req, res) => {
      streams.add(res.sse);
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

  it('gives HEAD the headers and an ended response; res.sse is then closed and its sends resolve false', async () => {
    const seen = deferred<{ closed: boolean; sent: boolean }>();
    const app = express();
    app.get('/events', sse(), async (_req, res) => {
      const stream = res.sse;
      seen.resolve({ closed: stream.closed, sent: await stream.send('never') });
    });
    server = await listen(app);
    const response = await fetch(`${server.url}/events`, {
      method: 'HEAD',
      signal: AbortSignal.timeout(3000),
    });
    expect(response.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
    expect(await seen.promise).toEqual({ closed: true, sent: false });
  });

  it('is what sseOf(res) returns; sseOf names sse() on a route without it', async () => {
    const seen = deferred<boolean>();
    const missing = deferred<unknown>();
    const app = express();
    app.get('/events', sse(), (_req, res) => {
      seen.resolve(sseOf<{ tick: number }>(res) === res.sse);
      res.sse.close();
    });
    app.get('/plain', (_req, res) => {
      try {
        sseOf(res);
      } catch (error) {
        missing.resolve(error);
      }
      res.end();
    });
    server = await listen(app);
    await (await connect(`${server.url}/events`)).next();
    await fetch(`${server.url}/plain`);
    expect(await seen.promise).toBe(true);
    expect(await missing.promise).toEqual(
      new TypeError('sseOf: this request has no event stream; mount sse() before the code that reads it.'),
    );
  });

  it('returns the same stream on every read', async () => {
    const reads = deferred<[SSEStream, SSEStream]>();
    const app = express();
    app.use(sse());
    app.get('/events', (_req, res) => {
      reads.resolve([res.sse, res.sse]);
      res.sse.close();
    });
    server = await listen(app);

    await (await connect(`${server.url}/events`)).next();
    const [first, second] = await reads.promise;
    expect(second).toBe(first);
  });

  it('stays open after the handler returns, until close() ends the response', async () => {
    const opened = deferred<SSEStream>();
    const app = express();
    app.use(sse());
    app.get('/events', (_req, res) => {
      opened.resolve(res.sse);
    });
    server = await listen(app);

    const client = await connect(`${server.url}/events`);
    const stream = await opened.promise;
    await new Promise((resolve) => setTimeout(resolve, 50));
    stream.send('later', { id: '1' });
    expect(await client.next()).toEqual({ type: 'message', data: 'later', lastEventId: '1' });
    stream.close();
    expect(await client.next()).toBeUndefined();
    expect(stream.closeReason).toBe('server');
  });

  it('reads the last event id from the Last-Event-ID header and from the query parameter, in a mounted router', async () => {
    const seen: Array<string | undefined> = [];
    const app = express();
    const router = express.Router();
    router.get('/events', sse(), (_req, res) => {
      seen.push(res.sse.lastEventId);
      res.sse.close();
    });
    app.use('/api', router);
    server = await listen(app);

    await (await connect(`${server.url}/api/events`, { 'last-event-id': 'from-header' })).next();
    await (await connect(`${server.url}/api/events?lastEventId=from-query`)).next();
    await (await connect(`${server.url}/api/events`)).next();
    expect(seen).toEqual(['from-header', 'from-query', undefined]);
  });

  it('closes within a second when the client leaves, leaving no listener or heartbeat behind', async () => {
    const baseline = heartbeatStats();
    const opened = deferred<{ stream: SSEStream; before: number; during: number; res: ServerResponse }>();
    const app = express();
    app.use(sse({ heartbeat: 1000 }));
    app.get('/events', (_req, res) => {
      const before = res.listenerCount('close');
      const stream = res.sse;
      opened.resolve({ stream, before, during: res.listenerCount('close'), res });
    });
    server = await listen(app);

    const client = await connect(`${server.url}/events`);
    const { stream, before, during, res } = await opened.promise;
    expect(during).toBeGreaterThan(before);
    expect(heartbeatStats().streams).toBe(baseline.streams + 1);

    const left = Date.now();
    client.leave();
    await waitFor(() => stream.closed, 'the stream to close', 1000);
    expect(Date.now() - left).toBeLessThan(1000);
    expect(stream.closeReason).toBe('client');
    expect(stream.signal.aborted).toBe(true);
    expect(res.listenerCount('close')).toBe(before);
    expect(res.listenerCount('drain')).toBe(0);
    expect(heartbeatStats()).toEqual(baseline);
    expect(await stream.send('after')).toBe(false);
  });

  it('closes the stream when a later handler throws and Express ends the response', async () => {
    const opened = deferred<SSEStream>();
    const app = express();
    app.use(sse());
    app.get('/events', (_req, res) => {
      opened.resolve(res.sse);
      res.sse.send('before');
      throw new Error('boom');
    });
    const routed = recordRoutedError(app);
    server = await listen(app);

    await expectBeforeThenEnd(`${server.url}/events`);
    const stream = await opened.promise;
    await waitFor(() => stream.closed, 'the stream to close', 1000);
    expect(await routed).toEqual({ error: new Error('boom'), headersSent: true });
  });
});

describe('res.sse (express 5)', () => {
  it('closes the stream when an async handler after sse() rejects', async () => {
    const { default: express } = await import('express');
    const opened = deferred<SSEStream>();
    const routed = deferred<unknown>();
    const app = express();
    app.use(sse());
    app.get('/events', async (_req, res) => {
      opened.resolve(res.sse);
      await res.sse.send('before');
      await new Promise((resolve) => setTimeout(resolve, 10));
      throw new Error('async boom');
    });
    app.use((error: unknown, _req: Request, _res: Response, next: NextFunction) => {
      routed.resolve(error);
      next(error);
    });
    const server = await listen(app);
    try {
      const client = await connect(`${server.url}/events`);
      expect(await client.next()).toMatchObject({ data: 'before' });
      expect(await client.next()).toBeUndefined();
      const stream = await opened.promise;
      await waitFor(() => stream.closed, 'the stream to close', 1000);
      expect(await routed.promise).toEqual(new Error('async boom'));
    } finally {
      await server.close();
    }
  });
});
