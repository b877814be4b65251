import { afterEach, describe, expect, expectTypeOf, it, vi } from 'vitest';
import { SSEFieldError, SSERangeError } from '../src/errors.js';
import { heartbeatStats } from '../src/heartbeat.js';
import type { SSEOptions } from '../src/options.js';
import { openSSEStream, type StreamRequest, streamInternals } from '../src/stream.js';
import type { SSETransport, TransportHandlers } from '../src/transport.js';
import { webStreamTransport } from '../src/transports/web-stream.js';
import { readToEnd } from './read-to-end.js';

const decoder = new TextDecoder();

/** Opens a stream on a real web-stream transport and hands back a reader of its response body. */
function openWeb<E extends Record<string, unknown> = Record<string, unknown>>(
  options: SSEOptions = {},
  request: Partial<Omit<StreamRequest, 'transport'>> = {},
  highWaterMark?: number,
) {
  const transport = webStreamTransport(highWaterMark === undefined ? {} : { highWaterMark });
  const stream = openSSEStream<E>(
    { transport, connectionHeader: false, ...request },
    { heartbeat: false, ...options },
  );
  const response = transport.response();
  const reader = response.body!.getReader();
  return { stream, transport, response, reader };
}

/** Records the calls a stream makes on its transport, in order; never reports backpressure. */
function recordingTransport() {
  const calls: string[] = [];
  let handlers: TransportHandlers | undefined;
  const transport: SSETransport = {
    attach(h) {
      handlers = h;
      calls.push('attach');
    },
    open(headers) {
      calls.push(`open ${JSON.stringify(headers)}`);
    },
    write(chunk) {
      calls.push(`write ${decoder.decode(chunk)}`);
      return true;
    },
    bufferedBytes: 0,
    end(discard) {
      calls.push(`end discard=${discard}`);
    },
  };
  return { transport, calls, handlers: () => handlers! };
}

afterEach(() => {
  // Every test closes what it opens; a stream left registered would leak a timer.
  expect(heartbeatStats()).toEqual({ streams: 0, timers: 0 });
});

/** What `fn` throws (`undefined` if it returns). */
function thrownBy(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  return undefined;
}

describe('SSEStream surface', () => {
  it('shows users only the documented members, none of the transport or channel plumbing', () => {
    const { stream } = openWeb();
    const members = new Set<string>();
    for (
      let layer: object | null = stream;
      layer !== null && layer !== Object.prototype;
      layer = Object.getPrototypeOf(layer)
    )
      for (const key of Reflect.ownKeys(layer)) members.add(String(key));
    members.delete('constructor');
    expect([...members].sort()).toEqual(
      [
        'bufferedBytes',
        'close',
        'closeReason',
        'closed',
        'comment',
        'lastEventId',
        'onClose',
        'pipe',
        'send',
        'signal',
      ].sort(),
    );
    stream.close();
  });
});

describe('SSEStream writing', () => {
  it('writes each event as its exact encoded block', async () => {
    const { stream, reader } = openWeb();
    await expect(stream.send('hello')).resolves.toBe(true);
    await stream.send({ n: 1 }, { event: 'update', id: '7' });
    await stream.send('a\nb', { id: '' });
    stream.close();
    expect(await readToEnd(reader)).toBe(
      'data: hello\n\nevent: update\nid: 7\ndata: {"n":1}\n\nid:\ndata: a\ndata: b\n\n',
    );
  });

  it('writes comments as ":" lines that end in a blank line', async () => {
    const { stream, reader } = openWeb();
    expect(stream.comment()).toBe(true);
    expect(stream.comment('ping\ndata: injected')).toBe(true);
    stream.close();
    expect(await readToEnd(reader)).toBe(':\n\n: ping\n: data: injected\n\n');
  });

  it('passes pre-encoded bytes through writeEncoded untouched', async () => {
    const { stream, reader } = openWeb();
    await expect(
      streamInternals(stream).write(new TextEncoder().encode('event: x\ndata: 1\n\n')),
    ).resolves.toBe(true);
    stream.close();
    expect(await readToEnd(reader)).toBe('event: x\ndata: 1\n\n');
  });

  it('sends non-string data through the configured serializer and strings verbatim', async () => {
    const { stream, reader } = openWeb({ serializer: (data) => `<${String(data)}>` });
    await stream.send(42);
    await stream.send('{"raw":true}');
    stream.close();
    expect(await readToEnd(reader)).toBe('data: <42>\n\ndata: {"raw":true}\n\n');
  });

  it('writes the retry option as the first bytes of the body', async () => {
    const { stream, reader } = openWeb({ retry: 2500 });
    await stream.send('x');
    stream.close();
    expect(await readToEnd(reader)).toBe('retry: 2500\n\ndata: x\n\n');
  });

  it('writes retry 0, which is a valid reconnection time', async () => {
    const { stream, reader } = openWeb({ retry: 0 });
    stream.close();
    expect(await readToEnd(reader)).toBe('retry: 0\n\n');
  });
});

describe('SSEStream opening', () => {
  it('opens every stream without extra headers with one shared, frozen headers object', () => {
    // A server may keep the headers for the life of its response (@hono/node-server does): a copy
    // per stream would cost each one about 50 bytes.
    const opened: Record<string, string>[] = [];
    const open = (connectionHeader: boolean, headers?: Record<string, string>) => {
      const { transport } = recordingTransport();
      transport.open = (given) => void opened.push(given);
      openSSEStream({ transport, connectionHeader }, { heartbeat: false, headers }).close();
      return opened.at(-1);
    };
    const first = open(false);
    expect(open(false)).toBe(first);
    expect(Object.isFrozen(first)).toBe(true);
    expect(open(true)).toBe(open(true));
    expect(open(true)).not.toBe(first);
    // Extra headers: the object is the stream's own, made from them.
    expect(open(false, { 'x-a': '1' })).toMatchObject({ 'x-a': '1' });
    expect(open(false, { 'x-a': '1' })).not.toBe(opened.at(-2));
  });

  it('opens with the event-stream headers, then attaches, before writing anything', () => {
    const { transport, calls } = recordingTransport();
    const stream = openSSEStream({ transport, connectionHeader: true }, { heartbeat: false, retry: 10 });
    stream.close();
    expect(calls).toEqual([
      `open ${JSON.stringify({
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-cache, no-transform',
        'x-accel-buffering': 'no',
        connection: 'keep-alive',
      })}`,
      'attach',
      'write retry: 10\n\n',
      'end discard=false',
    ]);
  });

  it('answers 200 with the event-stream headers and no Connection header when told not to', () => {
    const { stream, response } = openWeb({}, { connectionHeader: false });
    stream.close();
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
    expect(response.headers.get('cache-control')).toBe('no-cache, no-transform');
    expect(response.headers.get('x-accel-buffering')).toBe('no');
    expect(response.headers.has('connection')).toBe(false);
  });

  it('lets user headers replace the defaults whatever their case', () => {
    const { stream, response } = openWeb({ headers: { 'Cache-Control': 'no-store', 'X-Custom': 'yes' } });
    stream.close();
    expect(response.headers.get('cache-control')).toBe('no-store');
    expect(response.headers.get('x-custom')).toBe('yes');
    expect(response.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
  });

  it('reads the last event id from the request header before the query', () => {
    const { stream } = openWeb({}, { lastEventIdHeader: '41', url: '/events?lastEventId=3' });
    const { stream: fromQuery } = openWeb({}, { url: '/events?lastEventId=3' });
    const { stream: first } = openWeb({}, { url: '/events' });
    expect(stream.lastEventId).toBe('41');
    expect(fromQuery.lastEventId).toBe('3');
    expect(first.lastEventId).toBeUndefined();
    for (const s of [stream, fromQuery, first]) s.close();
  });
});

describe('SSEStream after close', () => {
  it('reports closed with reason "server" and ends the body cleanly', async () => {
    const { stream, reader } = openWeb();
    expect(stream.closed).toBe(false);
    expect(stream.closeReason).toBeUndefined();
    await stream.send('before');
    stream.close();
    expect(stream.closed).toBe(true);
    expect(stream.closeReason).toBe('server');
    expect(await readToEnd(reader)).toBe('data: before\n\n');
  });

  it('never throws or writes once closed: send resolves false and comment returns false', async () => {
    const { transport, calls } = recordingTransport();
    const stream = openSSEStream({ transport, connectionHeader: false }, { heartbeat: false });
    stream.close();
    const writesBefore = calls.length;
    await expect(stream.send('late')).resolves.toBe(false);
    // Even input that would be refused on an open stream is simply not sent.
    await expect(stream.send('x', { event: 'bad\nname' })).resolves.toBe(false);
    expect(stream.comment('late')).toBe(false);
    await expect(streamInternals(stream).write(new Uint8Array([100]))).resolves.toBe(false);
    expect(stream.bufferedBytes).toBe(0);
    expect(calls.length).toBe(writesBefore);
  });

  it('ends the transport once however often close is called', () => {
    const { transport, calls } = recordingTransport();
    const stream = openSSEStream({ transport, connectionHeader: false }, { heartbeat: false });
    stream.close();
    stream.close();
    expect(calls.filter((call) => call.startsWith('end'))).toEqual(['end discard=false']);
    expect(stream.closeReason).toBe('server');
  });

  it('aborts its signal on close', () => {
    const { stream } = openWeb();
    const signal = stream.signal;
    expect(signal.aborted).toBe(false);
    stream.close();
    expect(signal.aborted).toBe(true);
  });

  it('hands out an already aborted signal when it is first read after close', () => {
    const { stream } = openWeb();
    stream.close();
    expect(stream.signal.aborted).toBe(true);
  });

  it('runs each close listener once, with the stream, and not after it was removed', () => {
    const { stream } = openWeb();
    const kept = vi.fn();
    const removed = vi.fn();
    stream.onClose(kept);
    const remove = stream.onClose(removed);
    remove();
    stream.close();
    stream.close();
    expect(kept).toHaveBeenCalledTimes(1);
    expect(kept).toHaveBeenCalledWith(stream);
    expect(removed).not.toHaveBeenCalled();
  });

  it('runs a close listener at once when registered after close', () => {
    const { stream } = openWeb();
    stream.close();
    const late = vi.fn();
    stream.onClose(late);
    expect(late).toHaveBeenCalledTimes(1);
  });

  it('closes with reason "client", discarding, when the client cancels the body', async () => {
    const { transport, calls, handlers } = recordingTransport();
    const stream = openSSEStream({ transport, connectionHeader: false }, { heartbeat: false });
    const onClose = vi.fn();
    stream.onClose(onClose);
    handlers().onDisconnect();
    expect(stream.closeReason).toBe('client');
    expect(stream.signal.aborted).toBe(true);
    expect(onClose).toHaveBeenCalledTimes(1);
    expect(calls.at(-1)).toBe('end discard=true');

    const web = openWeb();
    await web.reader.cancel();
    expect(web.stream.closeReason).toBe('client');
  });
});

describe('SSEStream refusing bad input', () => {
  it('throws SSEFieldError for an event name with a newline, writing nothing, and stays usable', async () => {
    const { stream, reader } = openWeb();
    const error = thrownBy(() => stream.send('x', { event: 'a\nevent: injected' }));
    expect(error).toBeInstanceOf(SSEFieldError);
    expect(error).toMatchObject({
      code: 'ERR_SSE_NEWLINE_IN_FIELD',
      field: 'event',
      value: 'a\nevent: injected',
    });
    expect((error as Error).message).toBe(
      'Event name "a\\nevent: injected" must be a string without CR or LF: a line break would start new fields on the wire.',
    );
    expect(stream.closed).toBe(false);
    await expect(stream.send('ok')).resolves.toBe(true);
    stream.close();
    expect(await readToEnd(reader)).toBe('data: ok\n\n');
  });

  it('throws SSEFieldError for a lone surrogate in data, event or id, writing nothing', async () => {
    const { stream, reader } = openWeb();
    for (const [data, options] of [
      ['a\uD800', undefined],
      ['x', { event: '\uDC00' }],
      ['x', { id: 'id\uD83D' }],
    ] as const) {
      expect(() => stream.send(data, options)).toThrow(
        expect.objectContaining({ name: 'SSEFieldError', code: 'ERR_SSE_LONE_SURROGATE' }),
      );
    }
    await expect(stream.send('\uD83D\uDE00')).resolves.toBe(true);
    stream.close();
    expect(await readToEnd(reader)).toBe('data: \uD83D\uDE00\n\n');
  });

  it('throws SSEFieldError for an id with NUL or CR', () => {
    const { stream } = openWeb();
    expect(() => stream.send('x', { id: 'a\0b' })).toThrowError(
      expect.objectContaining({ name: 'SSEFieldError', code: 'ERR_SSE_NUL_IN_ID', field: 'id' }),
    );
    expect(() => stream.send('x', { id: 'a\rb' })).toThrow(
      'Event id "a\\rb" must be a string without CR or LF: a line break would start new fields on the wire.',
    );
    expect(() => stream.send('x', { id: 'a\rb' })).toThrow(SSEFieldError);
    stream.close();
  });

  it('throws SSERangeError for an invalid per-event retry', async () => {
    const { stream, reader } = openWeb();
    const error = thrownBy(() => stream.send('x', { retry: -1 }));
    expect(error).toBeInstanceOf(SSERangeError);
    expect(error).toMatchObject({ code: 'ERR_SSE_INVALID_RETRY', field: 'retry', value: -1 });
    expect((error as Error).message).toBe(
      'retry -1 must be a whole number of milliseconds from 0 to 2147483647.',
    );
    stream.close();
    expect(await readToEnd(reader)).toBe('');
  });

  it('throws SSEFieldError for data the serializer cannot turn into a string', async () => {
    const { stream, reader } = openWeb();
    const error = thrownBy(() => stream.send(10n));
    expect(error).toBeInstanceOf(SSEFieldError);
    expect(error).toMatchObject({
      code: 'ERR_SSE_UNSERIALIZABLE_DATA',
      field: 'data',
      value: 10n,
      message: 'Event data 10 could not be serialized: Do not know how to serialize a BigInt',
    });
    // JSON.stringify returns undefined for a function: that is not text either.
    expect(() => stream.send(() => {})).toThrow(
      'Event data () => {} serialized to undefined, not a string; send a string or a value the serializer can represent.',
    );
    await stream.send('still open');
    stream.close();
    expect(await readToEnd(reader)).toBe('data: still open\n\n');
  });

  const heartbeatMessage = (got: string) =>
    `heartbeat must be a positive number of milliseconds up to 2147483647, or false, got ${got}.`;
  const bufferMessage = (got: string) =>
    `maxBufferedBytes must be a number of bytes >= 0 (or Infinity), got ${got}.`;
  it.each([
    ['heartbeat', 0, heartbeatMessage('0')],
    ['heartbeat', -1, heartbeatMessage('-1')],
    ['heartbeat', Number.NaN, heartbeatMessage('NaN')],
    ['heartbeat', Number.POSITIVE_INFINITY, heartbeatMessage('Infinity')],
    ['maxBufferedBytes', -1, bufferMessage('-1')],
    ['maxBufferedBytes', Number.NaN, bufferMessage('NaN')],
  ] as const)(
    'refuses option %s = %s with SSERangeError before touching the transport',
    (field, value, message) => {
      const { transport, calls } = recordingTransport();
      const error = thrownBy(() => openSSEStream({ transport, connectionHeader: false }, { [field]: value }));
      expect(error).toBeInstanceOf(SSERangeError);
      expect(error).toMatchObject({ code: 'ERR_SSE_INVALID_OPTION', field, message });
      expect(Object.is((error as SSERangeError).value, value)).toBe(true);
      expect(calls).toEqual([]);
    },
  );

  it('refuses an invalid retry option with ERR_SSE_INVALID_RETRY before opening the response', () => {
    const transport = webStreamTransport();
    expect(() => openSSEStream({ transport, connectionHeader: false }, { retry: -1 })).toThrowError(
      expect.objectContaining({
        name: 'SSERangeError',
        code: 'ERR_SSE_INVALID_RETRY',
        field: 'retry',
        value: -1,
      }),
    );
    expect(() => transport.response()).toThrow('open an SSEStream on it');
  });
});

describe('SSEStream backpressure', () => {
  it('returns a send promise that waits until the client reads, then resolves true', async () => {
    const { stream, reader } = openWeb({}, {}, 16);
    // 'data: 0123456789\n\n' is 18 bytes: more than the 16-byte buffer holds.
    const sent = stream.send('0123456789');
    let settled = false;
    void sent.then(() => {
      settled = true;
    });
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(settled).toBe(false);
    expect(stream.bufferedBytes).toBe(18);
    const { value } = await reader.read();
    expect(decoder.decode(value)).toBe('data: 0123456789\n\n');
    await expect(sent).resolves.toBe(true);
    expect(stream.bufferedBytes).toBe(0);
    stream.close();
  });

  it('drops a client that stops reading at its buffer bound', async () => {
    const { stream, reader } = openWeb({ maxBufferedBytes: 50 }, {}, 16);
    const pending: Promise<boolean>[] = [];
    const seen: number[] = [];
    // Each event is 18 bytes: two fit under 50, the third would make 54.
    for (let i = 0; i < 5 && !stream.closed; i++) {
      pending.push(stream.send('0123456789'));
      seen.push(stream.bufferedBytes);
    }
    expect(stream.closeReason).toBe('slow');
    expect(Math.max(...seen.slice(0, -1))).toBeLessThanOrEqual(50);
    expect(seen.slice(0, 2)).toEqual([18, 36]);
    expect(stream.bufferedBytes).toBe(0);
    expect(stream.signal.aborted).toBe(true);
    // The sends waiting for room learn that their events never reached the client.
    await expect(Promise.all(pending)).resolves.toEqual([false, false, false]);
    // The client's connection is torn down, not ended cleanly with a partial queue.
    await expect(reader.read()).rejects.toThrow('event stream closed');
  });

  it('still sends one event larger than the bound when nothing is queued', async () => {
    const { stream, reader } = openWeb({ maxBufferedBytes: 8 }, {}, 4);
    const sent = stream.send('far more than eight bytes');
    expect(stream.closed).toBe(false);
    const { value } = await reader.read();
    expect(decoder.decode(value)).toBe('data: far more than eight bytes\n\n');
    await expect(sent).resolves.toBe(true);
    stream.close();
  });

  it('keeps any number of bytes for a slow client when the bound is Infinity', () => {
    const { stream } = openWeb({ maxBufferedBytes: Number.POSITIVE_INFINITY }, {}, 16);
    for (let i = 0; i < 1000; i++) void stream.send('0123456789');
    expect(stream.closed).toBe(false);
    expect(stream.bufferedBytes).toBe(18_000);
    stream.close();
  });
});

describe('SSEStream typed events', () => {
  type Events = { tick: number; message: string };

  it('types each named event by its entry in the event map', () => {
    const { stream } = openWeb<Events>();
    expectTypeOf(stream.send).toBeCallableWith(1, { event: 'tick' });
    expectTypeOf(stream.send).toBeCallableWith('hello');
    expectTypeOf(stream.send).toBeCallableWith('hello', { event: 'message', id: '1' });
    expectTypeOf(stream.send).toBeCallableWith('hello', { id: '1' });
    // Only checked by tsc: the calls below must not compile. At run time the stream is closed, so
    // none of them writes anything.
    stream.close();
    // @ts-expect-error a tick carries a number, not a string
    void stream.send('x', { event: 'tick' });
    // @ts-expect-error an unnamed event is a message, whose data is a string
    void stream.send(1);
    // @ts-expect-error an unnamed event is a message, whose data is a string
    void stream.send(1, { id: '1' });
    // @ts-expect-error 'other' is not in the event map
    void stream.send('x', { event: 'other' });
  });

  it('accepts any event name and data without an event map', () => {
    const { stream } = openWeb();
    expectTypeOf(stream.send).toBeCallableWith({ any: 'thing' }, { event: 'whatever' });
    expectTypeOf(stream.send).toBeCallableWith(1);
    expectTypeOf(stream.send).toBeCallableWith(1, { id: '1', event: 'x' } as { id?: string; event?: string });
    stream.close();
  });
});
