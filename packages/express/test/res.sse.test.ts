import { describeLazyStream, listenHttp2 } from '@ssekit/conformance/lazy-stream';
import { type SSEStream, sse, sseOf } from '@ssekit/express';
import { closeAfterTest, deferred, waitFor } from '@ssekit/test-kit';
import type { NextFunction, Request, Response } from 'express';
import { describe, expect, it } from 'vitest';
import { expectBeforeThenEnd, recordRoutedError } from './error-routing.js';
import { connect, expressVersions, listen } from './helpers.js';

for (const [name, express] of expressVersions) {
  describeLazyStream({
    name: `res.sse (${name})`,
    async serve(route, options) {
      const app = express();
      const middleware = sse(options);
      app.use(middleware);
      const router = express.Router();
      router.get('/events', (_req, res) => route(() => res.sse, res));
      app.use('/api', router);
      return { ...(await listen(app)), open: () => middleware.size };
    },
    // Express itself cannot run on node:http2's compatibility API (it swaps the request's prototype
    // for http.IncomingMessage's), so this drives the middleware directly, as a router would.
    async serveHttp2(route, options) {
      const middleware = sse(options);
      const server = await listenHttp2((req, res) => {
        middleware(req, res, (error) => {
          if (error) throw error;
          void route(() => (res as unknown as { sse: SSEStream }).sse, res);
        });
      });
      return { ...server, open: () => middleware.size };
    },
  });
}

describe.each(expressVersions)('res.sse (%s)', (_name, express) => {
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
    const server = closeAfterTest(await listen(app));
    await (await connect(`${server.url}/events`)).next();
    await fetch(`${server.url}/plain`);
    expect(await seen.promise).toBe(true);
    expect(await missing.promise).toEqual(
      new TypeError('sseOf: this request has no event stream; mount sse() before the code that reads it.'),
    );
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
    const server = closeAfterTest(await listen(app));

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
