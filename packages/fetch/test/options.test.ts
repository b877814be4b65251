import { createChannel, eventStream, SSEFieldError, SSERangeError, sse, subscribe } from '@ssekit/fetch';
import { describe, expect, it } from 'vitest';

// What happens before any byte is sent: options checked where they are written, HEAD, onError's
// arguments. Streams over real HTTP are in bun-deno.test.ts, workerd.test.ts and next.test.ts.

describe('options are checked where they are written', () => {
  it('sse() refuses a header name no runtime would send, before any request', () => {
    const call = () => sse(() => {}, { headers: { 'x bad': 'v' } });
    expect(call).toThrow(SSEFieldError);
    expect(call).toThrow(/not a valid header name/);
    try {
      call();
    } catch (error) {
      expect(error).toMatchObject({ code: 'ERR_SSE_INVALID_OPTION', field: 'headers', value: 'x bad' });
    }
  });

  it('sse(options) without a handler throws at the call (there is no middleware form here)', () => {
    for (const call of [
      () => sse({ heartbeat: -1 } as never),
      () => eventStream(new Request('http://127.0.0.1/'), 1 as never),
    ]) {
      expect(call).toThrow(SSEFieldError);
      expect(call).toThrow(expect.objectContaining({ code: 'ERR_SSE_INVALID_OPTION', field: 'handler' }));
    }
  });

  it('eventStream() and subscribe() refuse a bad option on the call, opening no stream', () => {
    const request = new Request('http://127.0.0.1/events');
    let ran = false;
    expect(() => eventStream(request, () => (ran = true), { heartbeat: -1 })).toThrow(SSERangeError);
    expect(() => subscribe(request, createChannel(), { headers: { 'x-note': 'a\nb' } })).toThrow(
      expect.objectContaining({ code: 'ERR_SSE_INVALID_OPTION', field: 'headers.x-note', value: 'a\nb' }),
    );
    expect(ran).toBe(false);
  });
});

describe('HEAD', () => {
  it('answers with the event-stream headers and no body, and runs no handler', async () => {
    let ran = false;
    const handler = sse(() => {
      ran = true;
    });
    const response = handler(new Request('http://127.0.0.1/events', { method: 'HEAD' }));
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
    expect(response.body).toBeNull();
    expect(ran).toBe(false);
    expect(handler.size).toBe(0);
  });
});

describe('onError', () => {
  it('gets the error, the closed stream and the request', async () => {
    const failure = new Error('boom');
    const request = new Request('http://127.0.0.1/events');
    const seen = await new Promise<unknown[]>((resolve) => {
      const response = eventStream(
        request,
        async () => {
          throw failure;
        },
        { onError: (...args) => resolve(args) },
      );
      void response.body?.cancel();
    });
    expect(seen[0]).toBe(failure);
    expect(seen[1]).toMatchObject({ closed: true });
    expect(seen[2]).toBe(request);
  });
});
