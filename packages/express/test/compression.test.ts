import { get, type IncomingMessage } from 'node:http';
import { createGunzip } from 'node:zlib';
import { parseEventStream } from '@ssekit/core';
import { type SSEOptions, type SSEStream, sse } from '@ssekit/express';
import { closeAfterTest, deferred } from '@ssekit/test-kit';
import compression from 'compression';
import { describe, expect, it } from 'vitest';
import { expressVersions, listen } from './helpers.js';

function request(url: string): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    get(url, { headers: { 'accept-encoding': 'gzip' } }, resolve).on('error', reject);
  });
}

describe.each(expressVersions)('compression() before sse() (%s)', (_name, express) => {
  async function serve(options: SSEOptions) {
    const opened = deferred<SSEStream>();
    const app = express();
    app.use(compression());
    app.use(sse(options));
    app.get('/events', (_req, res) => {
      res.sse.send('first');
      opened.resolve(res.sse);
    });
    const server = closeAfterTest(await listen(app));
    return { url: `${server.url}/events`, opened: opened.promise };
  }

  it('delivers gzip-compressed events one at a time while the stream is open', async () => {
    // compression() honours the default `Cache-Control: no-transform`; dropping it lets it compress.
    const { url, opened } = await serve({ headers: { 'cache-control': 'no-cache' } });
    const response = await request(url);
    expect(response.headers['content-encoding']).toBe('gzip');
    const events = parseEventStream(response.pipe(createGunzip()));
    const stream = await opened;

    expect((await events.next()).value).toMatchObject({ data: 'first' });
    expect(stream.closed).toBe(false);
    stream.send('second');
    expect((await events.next()).value).toMatchObject({ data: 'second' });
    stream.close();
    expect((await events.next()).done).toBe(true);
  });

  it('leaves the stream uncompressed by default, as Cache-Control: no-transform asks', async () => {
    const { url, opened } = await serve({});
    const response = await request(url);
    expect(response.headers['content-encoding']).toBeUndefined();
    const events = parseEventStream(response);
    const stream = await opened;

    expect((await events.next()).value).toMatchObject({ data: 'first' });
    stream.send('second');
    expect((await events.next()).value).toMatchObject({ data: 'second' });
    stream.close();
  });
});
