// @fastify/sse #37 and fastify-sse-v2 #98: once events are flowing, Fastify must not try to send a
// response of its own (a returned value, an error response), which ends in ERR_HTTP_HEADERS_SENT or
// FST_ERR_REP_ALREADY_SENT. reply.sse hands the response over with reply.hijack().
import { type SSEStream, ssePlugin } from '@ssekit/fastify';
import { closeAfterTest, deferred, sleep, waitFor } from '@ssekit/test-kit';
import Fastify from 'fastify';
import { describe, expect, it } from 'vitest';
import { connect, listen, recordingLogger, WARN } from './helpers.js';

describe('reply.sse hands the response over to the stream', () => {
  it('logs nothing when the client leaves while an async handler waits, and the handler then returns a value', async () => {
    const { entries, logger } = recordingLogger();
    const returned = deferred<void>();
    const opened = deferred<SSEStream>();
    const app = Fastify({ logger });
    await app.register(ssePlugin);
    app.get('/events', async (_request, reply) => {
      const stream = reply.sse;
      opened.resolve(stream);
      while (await stream.send('tick')) await sleep(20);
      // Without the hand-over Fastify would send this over the events: ERR_HTTP_HEADERS_SENT.
      setImmediate(returned.resolve);
      return { done: true };
    });
    const server = closeAfterTest(await listen(app));

    const client = await connect(`${server.url}/events`);
    expect(await client.next()).toMatchObject({ data: 'tick' });
    client.leave();
    const stream = await opened.promise;
    await waitFor(() => stream.closed, 'the stream to close', 1000);
    await returned.promise;
    await sleep(50);
    expect(stream.closeReason).toBe('client');
    expect(entries.filter((entry) => entry.level >= WARN)).toEqual([]);
  });

  it('closes the stream and logs the error itself, not FST_ERR_REP_ALREADY_SENT, when a handler throws after it opened', async () => {
    const { entries, logger } = recordingLogger();
    const opened = deferred<SSEStream>();
    const app = Fastify({ logger });
    await app.register(ssePlugin);
    app.get('/events', (_request, reply) => {
      opened.resolve(reply.sse);
      reply.sse.send('before');
      throw new Error('after the headers');
    });
    const server = closeAfterTest(await listen(app));

    const client = await connect(`${server.url}/events`);
    expect(await client.next()).toMatchObject({ data: 'before' });
    const stream = await opened.promise;
    await waitFor(() => stream.closed, 'the stream to close', 1000);
    expect(stream.closeReason).toBe('server');
    expect(await client.next()).toBeUndefined();
    await waitFor(() => entries.some((entry) => entry.level >= WARN), 'the error to be logged', 1000);
    expect(entries.filter((entry) => entry.level >= WARN)).toEqual([
      expect.objectContaining({ level: 50, err: expect.objectContaining({ message: 'after the headers' }) }),
    ]);
  });
});
