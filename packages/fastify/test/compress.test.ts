import { get, type IncomingMessage } from 'node:http';
import { createGunzip } from 'node:zlib';
import compress from '@fastify/compress';
import { parseEventStream, type SSEStream, ssePlugin } from '@ssekit/fastify';
import { closeAfterTest, deferred } from '@ssekit/test-kit';
import Fastify from 'fastify';
import { describe, expect, it } from 'vitest';
import { listen } from './helpers.js';

function request(url: string): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    get(url, { headers: { 'accept-encoding': 'gzip' } }, resolve).on('error', reject);
  });
}

describe('@fastify/compress registered for the whole app', () => {
  it('compresses what Fastify sends and leaves events uncompressed, each delivered as it is sent', async () => {
    const opened = deferred<SSEStream>();
    const app = Fastify();
    await app.register(compress, { threshold: 0 });
    // Without `no-transform`, which a compressor would honour: the stream itself must not be buffered.
    await app.register(ssePlugin, { headers: { 'cache-control': 'no-cache' } });
    app.get('/json', async () => ({ list: Array.from({ length: 100 }, (_, n) => n) }));
    app.get('/events', (_request, reply) => {
      reply.sse.send('first');
      opened.resolve(reply.sse);
    });
    const server = closeAfterTest(await listen(app));

    const json = await request(`${server.url}/json`);
    expect(json.headers['content-encoding']).toBe('gzip');
    let body = '';
    for await (const chunk of json.pipe(createGunzip())) body += chunk;
    expect(JSON.parse(body).list).toHaveLength(100);

    const response = await request(`${server.url}/events`);
    expect(response.headers['content-encoding']).toBeUndefined();
    const events = parseEventStream(response);
    const stream = await opened.promise;
    expect((await events.next()).value).toMatchObject({ data: 'first' });
    stream.send('second');
    expect((await events.next()).value).toMatchObject({ data: 'second' });
    stream.close();
    expect((await events.next()).done).toBe(true);
  });
});
