import {
  connect as connectHttp2,
  createServer,
  type Http2ServerRequest,
  type Http2ServerResponse,
} from 'node:http2';
import type { AddressInfo } from 'node:net';
import { parseEventStream } from '@ssekit/core';
import { type SSEStream, sse } from '@ssekit/express';
import { deferred, waitFor } from '@ssekit/test-kit';
import { describe, expect, it } from 'vitest';

// Express itself cannot run on node:http2's compatibility API (it swaps the request's prototype
// for http.IncomingMessage's), so this drives the middleware directly, as a router would.
describe('sse() on node:http2 (h2c)', () => {
  it('streams events without the HTTP/1-only Connection header and closes when the client leaves', async () => {
    const opened = deferred<SSEStream>();
    const written: Array<Record<string, unknown>> = [];
    const middleware = sse({ headers: { connection: 'keep-alive' } });
    const server = createServer((req: Http2ServerRequest, res: Http2ServerResponse) => {
      // node:http2 drops a Connection header itself (with a process warning), so the client
      // cannot tell: look at what the stream asked for.
      const writeHead = res.writeHead.bind(res);
      res.writeHead = ((status: number, headers: Record<string, unknown>) => {
        written.push(headers);
        return writeHead(status, headers as Record<string, string>);
      }) as typeof res.writeHead;
      middleware(req, res, (error) => {
        if (error) throw error;
        const stream = (res as unknown as { sse: SSEStream }).sse;
        stream.send('over h2', { id: stream.lastEventId ?? 'none' });
        opened.resolve(stream);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const session = connectHttp2(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
    try {
      const request = session.request({ ':path': '/events', 'last-event-id': 'h2-id' });
      const headers = await new Promise<Record<string, unknown>>((resolve) =>
        request.on('response', resolve),
      );
      expect(headers[':status']).toBe(200);
      expect(headers['content-type']).toBe('text/event-stream; charset=utf-8');
      expect(headers.connection).toBeUndefined();
      expect(written).toHaveLength(1);
      expect(Object.keys(written[0] ?? {})).not.toContain('connection');

      const events = parseEventStream(request);
      expect((await events.next()).value).toEqual({ type: 'message', data: 'over h2', lastEventId: 'h2-id' });

      const stream = await opened.promise;
      request.close();
      await waitFor(() => stream.closed, 'the stream to close', 1000);
      expect(stream.closeReason).toBe('client');
    } finally {
      session.destroy();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
