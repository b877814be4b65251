import { once } from 'node:events';
import { get, type IncomingMessage } from 'node:http';
import { parseEventStream, type SSEStream } from '@ssekit/core';
import { deferred } from '@ssekit/test-kit';
import compress from 'koa-compress';
import { describe, expect, it } from 'vitest';
import { sse } from '../src/index.js';
import { koas, listen } from './helpers.js';

/** A raw HTTP/1.1 GET, so the test sees the encoding on the wire rather than a decoded body. */
async function rawGet(url: string): Promise<IncomingMessage> {
  const request = get(url, { headers: { 'accept-encoding': 'gzip, deflate, br' } });
  const [response] = (await once(request, 'response')) as [IncomingMessage];
  return response;
}

describe.each(koas)('koa-compress in front of sse() on %s', (_name, Koa) => {
  it.each([
    ['by its filter', undefined],
    ['even when the route forces it (ctx.compress = true)', true],
  ])('delivers each event as it is sent, uncompressed, though compression is on %s', async (_how, force) => {
    const app = new Koa();
    app.use(compress({ threshold: 0 }));
    app.use(sse());
    const opened = deferred<SSEStream>();
    app.use((ctx) => {
      if (ctx.path === '/big') {
        ctx.body = 'x'.repeat(10_000);
        return;
      }
      if (force) ctx.compress = true;
      opened.resolve(ctx.sse);
    });
    const server = await listen(app);
    try {
      // The same app compresses an ordinary body, so the stream is exempt, not compression off.
      const big = await rawGet(`${server.url}/big`);
      expect(big.headers['content-encoding']).toBe('br');
      big.resume();

      const response = await rawGet(`${server.url}/events`);
      expect(response.headers['content-encoding']).toBeUndefined();
      expect(response.headers.vary).toBe('Accept-Encoding');
      const stream = await opened.promise;
      const events = parseEventStream(response);

      await stream.send('first');
      // Nothing more is sent until the first event has arrived: a buffering layer would hang here.
      expect((await events.next()).value?.data).toBe('first');
      expect(stream.closed).toBe(false);
      await stream.send('second');
      expect((await events.next()).value?.data).toBe('second');
      stream.close();
      expect((await events.next()).done).toBe(true);
    } finally {
      await server.close();
    }
  });
});
