import { type SSEHandler, type SSEStream, sse } from '@ssekit/express';
import { closeAfterTest, deferred } from '@ssekit/test-kit';
import type { NextFunction, Request, Response } from 'express';
import { describe, expect, it } from 'vitest';
import { expectBeforeThenEnd, recordRoutedError } from './error-routing.js';
import { connect, expressVersions, listen, type TestServer } from './helpers.js';

type Failure = { error: unknown; stream: SSEStream; closed: boolean; url: string | undefined };

describe.each(expressVersions)('sse(handler) (%s)', (_name, express) => {
  async function servedAfterwards(server: TestServer): Promise<void> {
    // The server survived the error: it still answers.
    const client = await connect(`${server.url}/ok`);
    expect(await client.next()).toMatchObject({ data: 'ok' });
  }

  function appWith(handler: SSEHandler, onError?: (failure: Failure) => void) {
    const app = express();
    app.get(
      '/events',
      sse(
        handler,
        onError && {
          onError: (error, stream, { req }) =>
            onError({ error, stream, closed: stream.closed, url: req.originalUrl }),
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
    return app;
  }

  it('calls the handler with the open stream, the request and the response', async () => {
    const seen = deferred<{ url: string; sameStream: boolean }>();
    const app = express();
    app.get(
      '/events',
      sse((stream, req: Request, res: Response) => {
        seen.resolve({ url: req.originalUrl, sameStream: res.sse === stream });
        stream.send('hello');
        stream.close();
      }),
    );
    const server = closeAfterTest(await listen(app));

    const client = await connect(`${server.url}/events?x=1`);
    expect(await client.next()).toMatchObject({ data: 'hello' });
    expect(await seen.promise).toEqual({ url: '/events?x=1', sameStream: true });
  });

  it('keeps the stream open after the handler returns', async () => {
    const opened = deferred<SSEStream>();
    const app = express();
    app.get(
      '/events',
      sse((stream) => opened.resolve(stream)),
    );
    const server = closeAfterTest(await listen(app));

    const client = await connect(`${server.url}/events`);
    const stream = await opened.promise;
    await new Promise((resolve) => setTimeout(resolve, 50));
    stream.send('still here');
    expect(await client.next()).toMatchObject({ data: 'still here' });
    stream.close();
  });

  it('closes the stream and calls onError(error, stream, { req, res }) when the handler throws', async () => {
    const failed = deferred<Failure>();
    const server = closeAfterTest(
      await listen(
        appWith((stream) => {
          stream.send('before');
          throw new Error('sync boom');
        }, failed.resolve),
      ),
    );

    const client = await connect(`${server.url}/events`);
    expect(await client.next()).toMatchObject({ data: 'before' });
    expect(await client.next()).toBeUndefined();
    const { error, stream, closed, url } = await failed.promise;
    expect(error).toEqual(new Error('sync boom'));
    expect(closed).toBe(true);
    expect(url).toBe('/events');
    expect(stream.closeReason).toBe('server');
    await servedAfterwards(server);
  });

  it('passes the error to Express error middleware when there is no onError', async () => {
    const app = appWith(async (stream) => {
      await stream.send('before');
      throw new Error('to express');
    });
    const routed = recordRoutedError(app);
    const server = closeAfterTest(await listen(app));

    await expectBeforeThenEnd(`${server.url}/events`);
    expect(await routed).toEqual({ error: new Error('to express'), headersSent: true });
    await servedAfterwards(server);
  });

  it('passes an error thrown by onError itself to Express', async () => {
    const routed = deferred<unknown>();
    const app = express();
    app.get(
      '/events',
      sse(
        () => {
          throw new Error('handler');
        },
        {
          onError: () => {
            throw new Error('onError');
          },
        },
      ),
    );
    app.use((error: unknown, _req: Request, _res: Response, next: NextFunction) => {
      routed.resolve(error);
      next(error);
    });
    const server = closeAfterTest(await listen(app));

    const client = await connect(`${server.url}/events`);
    expect(await client.next()).toBeUndefined();
    expect(await routed.promise).toEqual(new Error('onError'));
  });
});
