import { describe, expect, it, vi } from 'vitest';
import { openSSEStream } from '../../src/stream.js';
import { webStreamTransport } from '../../src/transports/web-stream.js';

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** A transport attached to spies, as a stream would attach it, and opened. */
function attached(options: Parameters<typeof webStreamTransport>[0] = {}) {
  const transport = webStreamTransport(options);
  const handlers = { onDrain: vi.fn(), onDisconnect: vi.fn(), maxBufferedBytes: 1024 * 1024 };
  transport.attach(handlers);
  transport.open({ 'content-type': 'text/event-stream; charset=utf-8', 'x-test': '1' });
  return { transport, handlers };
}

const settle = () => new Promise((resolve) => setTimeout(resolve, 5));

/** A transport a hand-over may give: it keeps what it is written (`direct`), decoded. */
function directTransport() {
  const direct: string[] = [];
  const other = {
    attach() {},
    open() {},
    write: (chunk: Uint8Array) => direct.push(decoder.decode(chunk)) > 0,
    bufferedBytes: 0,
    end: vi.fn(),
  };
  return { direct, other };
}

describe('webStreamTransport', () => {
  it('refuses to hand out a response before a stream opened it', () => {
    expect(() => webStreamTransport().response()).toThrow(
      'webStreamTransport: open an SSEStream on it before asking for its response.',
    );
  });

  it('hands out its response once: a body can be sent only once', () => {
    const { transport } = attached();
    transport.response();
    expect(() => transport.response()).toThrow('its response was already taken');
  });

  it('answers 200 with the headers it was opened with and streams the written bytes', async () => {
    const { transport } = attached();
    const response = transport.response();
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
    expect(response.headers.get('x-test')).toBe('1');
    transport.write(encoder.encode('data: a\n\n'));
    transport.write(encoder.encode('data: b\n\n'));
    transport.end(false);
    await expect(response.text()).resolves.toBe('data: a\n\ndata: b\n\n');
  });

  it('reports backpressure once its buffer is full and drains once the client reads', async () => {
    const { transport, handlers } = attached({ highWaterMark: 10 });
    const reader = transport.response().body!.getReader();
    expect(transport.write(encoder.encode('12345'))).toBe(true);
    expect(transport.bufferedBytes).toBe(5);
    expect(transport.write(encoder.encode('67890'))).toBe(false);
    expect(transport.bufferedBytes).toBe(10);
    await settle();
    expect(handlers.onDrain).not.toHaveBeenCalled();
    // Both writes of the task arrive as one chunk.
    expect(decoder.decode((await reader.read()).value)).toBe('1234567890');
    await settle();
    expect(handlers.onDrain).toHaveBeenCalledTimes(1);
    expect(transport.bufferedBytes).toBe(0);
    expect(transport.write(encoder.encode('abc'))).toBe(true);
    await reader.read();
    await settle();
    // One drain per full buffer, not one per read.
    expect(handlers.onDrain).toHaveBeenCalledTimes(1);
    transport.end(false);
  });

  it('sends a burst of writes as one chunk, and a write after the burst as the next', async () => {
    const { transport } = attached();
    const reader = transport.response().body!.getReader();
    for (let i = 0; i < 50; i++) transport.write(encoder.encode(`${i},`));
    const first = decoder.decode((await reader.read()).value);
    expect(first).toBe(Array.from({ length: 50 }, (_, i) => `${i},`).join(''));
    transport.write(encoder.encode('later'));
    expect(decoder.decode((await reader.read()).value)).toBe('later');
    transport.end(false);
  });

  it('keeps bursts written while the body holds an unread chunk together, in order, counted', async () => {
    const { transport } = attached();
    const reader = transport.response().body!.getReader();
    transport.write(encoder.encode('a,'));
    await settle();
    // The reader has not taken 'a,' yet: later bursts are kept, copied together, not queued one by one.
    for (const text of ['b,', 'c,', 'd,']) {
      transport.write(encoder.encode(text));
      await settle();
    }
    expect(transport.bufferedBytes).toBe(8);
    expect(decoder.decode((await reader.read()).value)).toBe('a,');
    expect(decoder.decode((await reader.read()).value)).toBe('b,c,d,');
    expect(transport.bufferedBytes).toBe(0);
    transport.write(encoder.encode('e'));
    transport.end(false);
    expect(decoder.decode((await reader.read()).value)).toBe('e');
  });

  it('never puts a view into a shared buffer in the body: a reader may keep chunks for long', async () => {
    const { transport } = attached();
    const reader = transport.response().body!.getReader();
    const shared = new Uint8Array(1024);
    shared.set(encoder.encode('data: x\n\n'), 100);
    transport.write(shared.subarray(100, 109));
    const { value } = await reader.read();
    expect(decoder.decode(value)).toBe('data: x\n\n');
    expect(value?.buffer.byteLength).toBe(9);
    transport.end(false);
  });

  it('defaults to a 64 KiB buffer', () => {
    const { transport } = attached();
    expect(transport.write(new Uint8Array(64 * 1024 - 1))).toBe(true);
    expect(transport.write(new Uint8Array(1))).toBe(false);
    expect(transport.bufferedBytes).toBe(64 * 1024);
    transport.end(true);
  });

  it('delivers what is queued before a clean end', async () => {
    const { transport } = attached({ highWaterMark: 1 });
    const reader = transport.response().body!.getReader();
    transport.write(encoder.encode('queued'));
    transport.end(false);
    expect(transport.bufferedBytes).toBe(0);
    expect(decoder.decode((await reader.read()).value)).toBe('queued');
    await expect(reader.read()).resolves.toEqual({ done: true, value: undefined });
  });

  it('errors the body on a discarding end, so the client sees a broken stream, not a finished one', async () => {
    const { transport } = attached();
    const reader = transport.response().body!.getReader();
    transport.write(encoder.encode('queued'));
    transport.end(true);
    await expect(reader.read()).rejects.toThrow('event stream closed: client gone or too slow');
  });

  it('ends once: a second end does nothing', async () => {
    const { transport } = attached();
    const reader = transport.response().body!.getReader();
    transport.end(false);
    expect(() => transport.end(true)).not.toThrow();
    await expect(reader.read()).resolves.toEqual({ done: true, value: undefined });
  });

  it('tells the stream the client left when the body is cancelled', async () => {
    const { transport, handlers } = attached();
    await transport.response().body!.cancel();
    expect(handlers.onDisconnect).toHaveBeenCalledTimes(1);
    // Ending a cancelled body must not throw.
    expect(() => transport.end(true)).not.toThrow();
  });

  it('tells the stream the client left when the request signal aborts', () => {
    const controller = new AbortController();
    const { transport, handlers } = attached({ signal: controller.signal });
    controller.abort();
    expect(handlers.onDisconnect).toHaveBeenCalledTimes(1);
    transport.end(true);
  });

  it('tells the stream at once about a request that was aborted before it attached', async () => {
    const { transport, handlers } = attached({ signal: AbortSignal.abort() });
    await Promise.resolve();
    expect(handlers.onDisconnect).toHaveBeenCalledTimes(1);
    transport.end(true);
  });

  it('stops listening to the request signal and the body once ended', async () => {
    const controller = new AbortController();
    const { transport, handlers } = attached({ signal: controller.signal });
    const body = transport.response().body!;
    transport.end(false);
    controller.abort();
    await body.cancel();
    expect(handlers.onDisconnect).not.toHaveBeenCalled();
  });

  it('hands the events over to the transport handOver gives, once the reader waits on an empty body', async () => {
    const { direct, other } = directTransport();
    let given: unknown;
    let ready = false;
    const { transport, handlers } = attached({
      handOver: (streamHandlers) => {
        given = streamHandlers;
        return () => (ready ? other : undefined);
      },
    });
    expect(given).toBe(handlers);
    const reader = transport.response().body!.getReader();
    // Asked while the reader waits, the hand-over declines: the event stays on the body.
    const first = reader.read();
    transport.write(encoder.encode('data: a\n\n'));
    await settle();
    expect(decoder.decode((await first).value)).toBe('data: a\n\n');
    ready = true;
    const last = reader.read();
    await settle();
    transport.write(encoder.encode('data: b\n\n'));
    expect(direct).toEqual(['data: b\n\n']);
    transport.end(false);
    expect(other.end).toHaveBeenCalledWith(false);
    expect((await last).done).toBe(true);
  });

  it('moves a stream to the transport handOver gives, so that it no longer goes through (nor keeps) the web transport', async () => {
    const { direct, other } = directTransport();
    const transport = webStreamTransport({ handOver: () => () => other });
    const stream = openSSEStream({ transport, connectionHeader: false }, { heartbeat: false });
    const body = transport.response().body!;
    const reader = body.getReader();
    const read = reader.read();
    await settle();
    const forwarded = vi.spyOn(transport, 'write');
    const ended = vi.spyOn(transport, 'end');
    await stream.send('a');
    await stream.send('b');
    expect(direct.join('')).toBe('data: a\n\ndata: b\n\n');
    expect(forwarded).not.toHaveBeenCalled();
    // The server cancels the body it reads when the client leaves: that still reaches the stream.
    await reader.cancel();
    expect(stream.closeReason).toBe('client');
    expect(other.end).toHaveBeenCalledWith(true);
    expect(ended).not.toHaveBeenCalled();
    expect((await read).done).toBe(true);
  });
});
