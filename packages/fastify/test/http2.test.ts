import { connect as connectHttp2 } from 'node:http2';
import { parseEventStream, type SSEStream, ssePlugin } from '@ssekit/fastify';
import { deferred, waitFor } from '@ssekit/test-kit';
import Fastify from 'fastify';
import { describe, expect, it } from 'vitest';

describe('reply.sse on Fastify with http2: true (h2c)', () => {
  it('streams events without the HTTP/1-only Connection header and closes when the client leaves', async () => {
    const opened = deferred<SSEStream>();
    const app = Fastify({ http2: true });
    await app.register(ssePlugin);
    app.get('/events', (_request, reply) => {
      const stream = reply.sse;
      stream.send('over h2', { id: stream.lastEventId ?? 'none' });
      opened.resolve(stream);
    });
    const url = await app.listen({ port: 0, host: '127.0.0.1' });
    const session = connectHttp2(url);
    try {
      const request = session.request({ ':path': '/events', 'last-event-id': 'h2-id' });
      const headers = await new Promise<Record<string, unknown>>((resolve) =>
        request.on('response', resolve),
      );
      expect(headers[':status']).toBe(200);
      expect(headers['content-type']).toBe('text/event-stream; charset=utf-8');
      expect(headers.connection).toBeUndefined();

      const events = parseEventStream(request);
      expect((await events.next()).value).toEqual({ type: 'message', data: 'over h2', lastEventId: 'h2-id' });

      const stream = await opened.promise;
      request.close();
      await waitFor(() => stream.closed, 'the stream to close', 1000);
      expect(stream.closeReason).toBe('client');
      expect(app.sse.size).toBe(0);
    } finally {
      session.destroy();
      await app.close();
    }
  });
});
