import { afterEach, describe, expect, expectTypeOf, it, vi } from 'vitest';
import { type ChannelBus, localBus } from '../src/bus.js';
import { createChannel } from '../src/channel.js';
import { SSEFieldError, SSERangeError } from '../src/errors.js';
import {
  type ChannelMessage,
  type DeliveringHistory,
  type HistoryStore,
  type LiveGap,
  memoryHistory,
  type StoredMessage,
} from '../src/history.js';
import type { SSEOptions } from '../src/options.js';
import { createParser, type ParsedEvent } from '../src/parse.js';
import { openSSEStream, type SSEStream } from '../src/stream.js';
import { webStreamTransport } from '../src/transports/web-stream.js';

/** A stream on a real web-stream transport whose body is parsed as a client would. */
function client(options: SSEOptions = {}, lastEventId?: string) {
  const transport = webStreamTransport();
  const stream = openSSEStream(
    { transport, connectionHeader: false, lastEventIdHeader: lastEventId },
    {
      heartbeat: false,
      ...options,
    },
  );
  const events: ParsedEvent[] = [];
  const retries: number[] = [];
  const parser = createParser({ onEvent: (event) => events.push(event), onRetry: (ms) => retries.push(ms) });
  const reader = transport.response().body!.getReader();
  const decoder = new TextDecoder();
  const done = (async () => {
    for (;;) {
      const { done, value } = await reader.read().catch(() => ({ done: true, value: undefined }));
      if (done) return;
      parser.feed(decoder.decode(value, { stream: true }));
    }
  })();
  /** Lets the body's reader catch up with what has been written. */
  const settle = async () => {
    for (let i = 0; i < 5; i++) await new Promise((resolve) => setTimeout(resolve, 0));
  };
  return { stream, events, retries, done, settle, data: () => events.map((event) => event.data) };
}

const opened: SSEStream<never>[] = [];
function track<T extends { stream: SSEStream }>(c: T): T {
  opened.push(c.stream);
  return c;
}
afterEach(() => {
  for (const stream of opened.splice(0)) stream.close();
  vi.useRealTimers();
});

describe('channel.send', () => {
  it('serializes a broadcast once for 1 000 recipients and delivers the same event to each', async () => {
    const serializer = vi.fn((data: unknown) => JSON.stringify(data));
    const channel = createChannel({ serializer });
    const clients = Array.from({ length: 1000 }, () => track(client()));
    for (const c of clients) channel.add(c.stream);
    await channel.send({ n: 1 }, { event: 'tick' });
    expect(serializer).toHaveBeenCalledTimes(1);
    await clients[0]!.settle();
    for (const c of clients) expect(c.events).toEqual([{ type: 'tick', data: '{"n":1}', lastEventId: '' }]);
  });

  it('delivers a burst to every member exactly once and in order', async () => {
    const channel = createChannel();
    const clients = Array.from({ length: 50 }, () => track(client()));
    for (const c of clients) channel.add(c.stream);
    for (let i = 0; i < 200; i++) channel.send(String(i));
    await clients[0]!.settle();
    const expected = Array.from({ length: 200 }, (_, i) => String(i));
    for (const c of clients) expect(c.data()).toEqual(expected);
  });

  it('skips members whose filter refuses the event, without re-encoding for the others', async () => {
    const channel = createChannel();
    const all = track(client());
    const onlyAlerts = track(client());
    channel.add(all.stream);
    channel.add(onlyAlerts.stream, { filter: (message) => message.event === 'alert' });
    channel.send('a', { event: 'info' });
    channel.send('b', { event: 'alert' });
    await all.settle();
    expect(all.data()).toEqual(['a', 'b']);
    expect(onlyAlerts.data()).toEqual(['b']);
  });

  it('passes a given id through when the channel has no history', async () => {
    const channel = createChannel();
    const c = track(client());
    channel.add(c.stream);
    await expect(channel.send('x', { id: '42' })).resolves.toBe('42');
    await c.settle();
    expect(c.events[0]?.lastEventId).toBe('42');
  });

  it('refuses bad input with a typed error and keeps the channel usable', async () => {
    const channel = createChannel();
    const c = track(client());
    channel.add(c.stream);
    expect(() => channel.send('x', { event: 'a\nb' })).toThrow(SSEFieldError);
    expect(() => channel.send(10n as never)).toThrow(
      expect.objectContaining({ code: 'ERR_SSE_UNSERIALIZABLE_DATA', field: 'data' }),
    );
    expect(() => channel.send('lone \uD800')).toThrow(
      expect.objectContaining({ code: 'ERR_SSE_LONE_SURROGATE', field: 'data' }),
    );
    expect(() => channel.send('x', { event: 'e\uDC00' })).toThrow(
      expect.objectContaining({ code: 'ERR_SSE_LONE_SURROGATE', field: 'event' }),
    );
    channel.send('still fine');
    await c.settle();
    expect(c.data()).toEqual(['still fine']);
  });

  it('refuses an id on a channel whose history assigns ids', () => {
    const channel = createChannel({ history: 10 });
    expect(() => channel.send('x', { id: '1' })).toThrow(
      expect.objectContaining({ code: 'ERR_SSE_INVALID_OPTION', field: 'id' }),
    );
  });

  it('rejects sends after the channel is closed', async () => {
    const channel = createChannel();
    await channel.close();
    await expect(channel.send('late')).rejects.toThrow(/closed/);
  });
});

describe('channel membership', () => {
  it('counts its streams and forgets a stream that closes', () => {
    const channel = createChannel();
    const a = track(client());
    const b = track(client());
    channel.add(a.stream);
    channel.add(b.stream);
    channel.add(b.stream);
    expect(channel.size).toBe(2);
    a.stream.close();
    expect(channel.size).toBe(1);
    expect(channel.delete(b.stream)).toBe(true);
    expect(channel.delete(b.stream)).toBe(false);
    expect(channel.size).toBe(0);
    expect(b.stream.closed).toBe(false);
  });

  it('lets one stream be in two channels and leave both when it closes', async () => {
    const news = createChannel();
    const chat = createChannel();
    const c = track(client());
    news.add(c.stream);
    chat.add(c.stream);
    news.send('n');
    chat.send('c');
    await c.settle();
    expect(c.data()).toEqual(['n', 'c']);
    c.stream.close();
    expect([news.size, chat.size]).toEqual([0, 0]);
  });

  it('ignores a stream that is already closed', () => {
    const channel = createChannel();
    const c = client();
    c.stream.close();
    channel.add(c.stream);
    expect(channel.size).toBe(0);
  });
});

describe('history and replay', () => {
  it('gives events ids carrying the epoch, counting up', async () => {
    const channel = createChannel({ history: { size: 10, epoch: 'e1' } });
    expect(await channel.send('a')).toBe('e1-1');
    expect(await channel.send('b')).toBe('e1-2');
  });

  it('replays exactly the events after the Last-Event-ID, then continues live', async () => {
    const channel = createChannel({ history: 100 });
    const ids: (string | undefined)[] = [];
    for (let i = 0; i < 10; i++) ids.push(await channel.send(`e${i}`));
    const c = track(client({}, ids[3]));
    channel.add(c.stream);
    channel.send('live');
    await c.settle();
    expect(c.data()).toEqual(['e4', 'e5', 'e6', 'e7', 'e8', 'e9', 'live']);
    expect(channel.stats.replaysServed).toBe(1);
  });

  it('hands over from an asynchronous history to live with neither gap nor duplicate', async () => {
    const ring = memoryHistory({ size: 100 });
    // A shared store answers after a round trip; broadcasts keep arriving meanwhile.
    const slowStore: HistoryStore = {
      append: (message) => ring.append(message),
      after: (id) => new Promise((resolve) => setTimeout(() => resolve(ring.after(id)), 20)),
      compare: (a, b) => ring.compare(a, b),
    };
    const channel = createChannel({ history: slowStore });
    const first = await channel.send('0');
    const c = track(client({}, first));
    channel.add(c.stream);
    for (let i = 1; i <= 20; i++) {
      channel.send(String(i));
      await new Promise((resolve) => setTimeout(resolve, 2));
    }
    await new Promise((resolve) => setTimeout(resolve, 40));
    await c.settle();
    expect(c.data()).toEqual(Array.from({ length: 20 }, (_, i) => String(i + 1)));
  });

  it('closes a reconnecting stream whose history cannot be read, so its client retries', async () => {
    const ring = memoryHistory({ size: 10 });
    const unreachable: HistoryStore = {
      append: (message) => ring.append(message),
      after: () => Promise.reject(new Error('store unreachable')),
      compare: (a, b) => ring.compare(a, b),
    };
    const errors: unknown[] = [];
    const channel = createChannel({ history: unreachable, onError: (error) => errors.push(error) });
    const c = track(client({}, await channel.send('0')));
    channel.add(c.stream);
    await c.done;
    expect(c.stream.closeReason).toBe('server');
    expect(errors).toEqual([new Error('store unreachable')]);
    expect(channel.size).toBe(0);
  });

  it('sends the gap event, with the newest id, for an id from before a restart', async () => {
    const before = createChannel({ history: { size: 10, epoch: 'old' } });
    const oldId = await before.send('x');
    const channel = createChannel({ history: { size: 10, epoch: 'new' } });
    await channel.send('y');
    const c = track(client({}, oldId));
    channel.add(c.stream);
    await c.settle();
    expect(c.events).toEqual([
      {
        type: 'ssekit-gap',
        data: JSON.stringify({ lastEventId: 'old-1', reason: 'epoch' }),
        lastEventId: 'new-1',
      },
    ]);
    expect(channel.stats.gapsSignalled).toBe(1);
  });

  it('sends the gap event for an id older than the history reaches', async () => {
    const channel = createChannel({ history: { size: 3, epoch: 'e' } });
    for (let i = 0; i < 10; i++) await channel.send(String(i));
    const c = track(client({}, 'e-2'));
    channel.add(c.stream);
    await c.settle();
    expect(c.events[0]).toMatchObject({ type: 'ssekit-gap', lastEventId: 'e-10' });
    expect(JSON.parse(c.events[0]!.data)).toEqual({ lastEventId: 'e-2', reason: 'expired' });
  });

  it('replays from the oldest kept event when the id is just before it', async () => {
    const channel = createChannel({ history: { size: 3, epoch: 'e' } });
    for (let i = 1; i <= 10; i++) await channel.send(String(i));
    const c = track(client({}, 'e-7'));
    channel.add(c.stream);
    await c.settle();
    expect(c.data()).toEqual(['8', '9', '10']);
  });

  it('sends the gap event for an unknown id and a custom gap event name', async () => {
    const channel = createChannel({ history: { size: 3, epoch: 'e' }, gapEvent: 'resync' });
    const c = track(client({}, 'nonsense'));
    channel.add(c.stream);
    await c.settle();
    expect(c.events[0]).toMatchObject({ type: 'resync', lastEventId: 'e-0' });
    expect(JSON.parse(c.events[0]!.data).reason).toBe('unknown');
  });

  it('trims history by bytes and by age', async () => {
    vi.useFakeTimers();
    const byBytes = memoryHistory({ size: 100, maxBytes: 10, epoch: 'b' });
    for (let i = 0; i < 5; i++) byBytes.append({ data: 'abcd' });
    expect(byBytes.after('b-2')).toMatchObject({ kind: 'gap', reason: 'expired' });
    expect(byBytes.after('b-3')).toMatchObject({ kind: 'replay' });

    const byAge = memoryHistory({ size: 100, maxAge: 1000, epoch: 'a' });
    byAge.append({ data: 'old' });
    vi.advanceTimersByTime(1500);
    byAge.append({ data: 'new' });
    expect(byAge.after('a-0')).toMatchObject({ kind: 'gap', reason: 'expired' });
    expect(byAge.after('a-1')).toEqual({
      kind: 'replay',
      messages: [{ id: 'a-2', event: undefined, data: 'new' }],
    });
  });
});

describe('slow clients', () => {
  it('drops a member that stops reading at its buffer bound while others keep receiving', async () => {
    const channel = createChannel({ history: 1000 });
    const reader = track(client());
    const stalled = (() => {
      const transport = webStreamTransport({ highWaterMark: 1024 });
      const stream = openSSEStream(
        { transport, connectionHeader: false },
        { heartbeat: false, maxBufferedBytes: 4096 },
      );
      transport.response(); // nobody reads this body
      return { stream };
    })();
    track(stalled);
    channel.add(reader.stream);
    channel.add(stalled.stream);
    const payload = 'x'.repeat(500);
    for (let i = 0; i < 50; i++) channel.send(payload);
    expect(stalled.stream.closeReason).toBe('slow');
    expect(channel.stats.droppedSlow).toBe(1);
    expect(channel.size).toBe(1);
    await reader.settle();
    expect(reader.events).toHaveLength(50);
  });
});

describe('channel.close', () => {
  it('sends a last event and retry hint, then spreads the closes over the window', async () => {
    vi.useFakeTimers();
    const channel = createChannel();
    const clients = Array.from({ length: 100 }, () => track(client()));
    for (const c of clients) channel.add(c.stream);
    const closed = channel.close({ event: { data: 'bye', event: 'shutdown' }, retry: 5000, over: 1000 });
    const openAt = (ms: number) => {
      vi.advanceTimersByTime(ms);
      return clients.filter((c) => !c.stream.closed).length;
    };
    expect(openAt(0)).toBe(100);
    const quarter = openAt(250);
    const half = openAt(250);
    expect(quarter).toBeGreaterThan(60);
    expect(quarter).toBeLessThan(90);
    expect(half).toBeGreaterThan(35);
    expect(half).toBeLessThan(65);
    expect(openAt(600)).toBe(0);
    await closed;
    vi.useRealTimers();
    await clients[0]!.settle();
    expect(clients[0]!.events).toEqual([{ type: 'shutdown', data: 'bye', lastEventId: '' }]);
    expect(channel.size).toBe(0);
  });

  it.each([
    ['a negative retry', { retry: -1 }, SSERangeError, 'ERR_SSE_INVALID_RETRY', 'retry'],
    [
      'a newline in the last event name',
      { event: { data: 'x', event: 'a\nb' } },
      SSEFieldError,
      'ERR_SSE_NEWLINE_IN_FIELD',
      'event',
    ],
    [
      'unserializable last event data',
      { event: { data: 10n } },
      SSEFieldError,
      'ERR_SSE_UNSERIALIZABLE_DATA',
      'data',
    ],
    ['an infinite window', { over: Infinity }, SSERangeError, 'ERR_SSE_INVALID_OPTION', 'over'],
    ['a negative window', { over: -1 }, SSERangeError, 'ERR_SSE_INVALID_OPTION', 'over'],
    ['a window that is not a number', { over: Number.NaN }, SSERangeError, 'ERR_SSE_INVALID_OPTION', 'over'],
  ] as const)(
    'refuses %s synchronously and leaves the channel working',
    async (_, options, type, code, field) => {
      const channel = createChannel();
      const c = track(client());
      channel.add(c.stream);
      let thrown: unknown;
      try {
        void channel.close(options as never).catch(() => {});
      } catch (error) {
        thrown = error;
      }
      expect(thrown).toBeInstanceOf(type);
      expect(thrown).toMatchObject({ code, field });
      await channel.send('still live');
      await channel.close({ event: { data: 'bye' } });
      await c.settle();
      expect(c.data()).toEqual(['still live', 'bye']);
      expect(c.stream.closed).toBe(true);
    },
  );

  it('gives a stream added during the drain the last event and retry hint and closes it at once', async () => {
    vi.useFakeTimers();
    const channel = createChannel();
    const member = track(client());
    channel.add(member.stream);
    const closed = channel.close({ event: { data: 'bye', event: 'shutdown' }, retry: 4000, over: 1000 });
    vi.advanceTimersByTime(100);
    const late = track(client());
    channel.add(late.stream);
    expect(late.stream.closed).toBe(true);
    vi.advanceTimersByTime(1000);
    await closed;
    vi.useRealTimers();
    await late.settle();
    expect(late.events).toEqual([{ type: 'shutdown', data: 'bye', lastEventId: '' }]);
    expect(late.retries).toEqual([4000]);
  });

  it('gives a stream added after the drain the last event and retry hint and closes it at once', async () => {
    const channel = createChannel();
    await channel.close({ event: { data: 'bye' }, retry: 4000 });
    const late = track(client());
    channel.add(late.stream);
    expect(late.stream.closed).toBe(true);
    await late.settle();
    expect(late.data()).toEqual(['bye']);
    expect(late.retries).toEqual([4000]);
    expect(channel.size).toBe(0);
  });

  it('closes members once their maximum lifetime, shortened by jitter, has passed', () => {
    vi.useFakeTimers();
    const channel = createChannel({ maxLifetime: 10_000, lifetimeJitter: 0.5 });
    const clients = Array.from({ length: 200 }, () => track(client()));
    for (const c of clients) channel.add(c.stream);
    vi.advanceTimersByTime(4_000);
    expect(channel.size).toBe(200);
    vi.advanceTimersByTime(3_500);
    expect(channel.size).toBeGreaterThan(0);
    expect(channel.size).toBeLessThan(200);
    vi.advanceTimersByTime(3_500);
    expect(channel.size).toBe(0);
  });
});

describe('typed channels', () => {
  it('accepts each event name with its own data type only', () => {
    const channel = createChannel<{ message: string; tick: number; joined: { name: string } }>();
    expectTypeOf(channel.send).toBeCallableWith(1, { event: 'tick' });
    expectTypeOf(channel.send).toBeCallableWith('hello');
    expectTypeOf(channel.send).toBeCallableWith({ name: 'ada' }, { event: 'joined' });
    // @ts-expect-error a string is not a tick
    expectTypeOf(channel.send).toBeCallableWith('x', { event: 'tick' });
    // @ts-expect-error unknown event names are refused
    expectTypeOf(channel.send).toBeCallableWith('x', { event: 'other' });
    // @ts-expect-error unnamed events carry the message type
    expectTypeOf(channel.send).toBeCallableWith(5);
  });
});

describe('faults in one member or one message', () => {
  it('closes only the member whose filter throws, reports it once, and serves every other member', async () => {
    const errors: [unknown, unknown][] = [];
    const channel = createChannel({ onError: (error, stream) => errors.push([error, stream]) });
    const before = track(client());
    const failing = track(client());
    const after = track(client());
    const boom = new Error('filter bug');
    channel.add(before.stream);
    channel.add(failing.stream, {
      filter: () => {
        throw boom;
      },
    });
    channel.add(after.stream);
    await expect(channel.send('one')).resolves.toBeUndefined();
    await channel.send('two');
    await before.settle();
    expect(before.data()).toEqual(['one', 'two']);
    expect(after.data()).toEqual(['one', 'two']);
    expect(failing.data()).toEqual([]);
    expect(failing.stream.closeReason).toBe('server');
    expect(errors).toEqual([[boom, failing.stream]]);
    expect(channel.size).toBe(2);
  });

  it('closes a replaying member whose filter throws, without an unhandled rejection', async () => {
    const errors: unknown[] = [];
    const channel = createChannel({ history: 10, onError: (error) => errors.push(error) });
    const first = await channel.send('a');
    await channel.send('b');
    const failing = track(client({}, first));
    const other = track(client({}, first));
    channel.add(failing.stream, {
      filter: () => {
        throw new Error('filter bug');
      },
    });
    channel.add(other.stream);
    await failing.done;
    await other.settle();
    expect(failing.stream.closeReason).toBe('server');
    expect(other.data()).toEqual(['b']);
    expect(errors).toHaveLength(1);
  });

  it('skips a message that cannot be encoded, live and in replays, and reports it through onError', async () => {
    const errors: [unknown, unknown][] = [];
    const ring = memoryHistory({ size: 10, epoch: 'e' });
    const channel = createChannel({
      history: ring,
      onError: (error, stream) => errors.push([error, stream]),
    });
    await channel.send('good');
    // Another producer wrote to the shared history without ssekit's checks.
    const foreign = ring.append({ event: 'bad\nevent', data: 'x' }) as StoredMessage;
    await channel.send('after');
    const resumer = track(client({}, 'e-1'));
    channel.add(resumer.stream);
    await resumer.settle();
    expect(resumer.events.map((event) => [event.data, event.lastEventId])).toEqual([['after', 'e-3']]);
    expect(resumer.stream.closed).toBe(false);
    expect(errors).toHaveLength(1);
    expect(errors[0]?.[0]).toBeInstanceOf(SSEFieldError);
    expect(errors[0]?.[1]).toBeUndefined();

    const live = track(client());
    const bus = localBus();
    const busChannel = createChannel({ bus, onError: (error, stream) => errors.push([error, stream]) });
    busChannel.add(live.stream);
    bus.publish(foreign);
    bus.publish({ data: 'fine' });
    await live.settle();
    expect(live.data()).toEqual(['fine']);
    expect(errors).toHaveLength(2);
  });
});

describe('paged replay', () => {
  /** A history that records the page sizes it was asked for. */
  function recording(size: number) {
    const ring = memoryHistory({ size, epoch: 'p' });
    const limits: (number | undefined)[] = [];
    const store: HistoryStore = {
      append: (message) => ring.append(message),
      after: (id, options) => {
        limits.push(options?.limit);
        return ring.after(id, options);
      },
      compare: (a, b) => ring.compare(a, b),
    };
    return { store, limits };
  }

  it('reads a long replay in bounded pages and delivers every event once, in order', async () => {
    const { store, limits } = recording(5000);
    const channel = createChannel({ history: store });
    for (let i = 0; i < 3000; i++) await channel.send(`e${i}`);
    const c = track(client({}, 'p-0'));
    channel.add(c.stream);
    await vi.waitFor(() => expect(c.events).toHaveLength(3000), { timeout: 5000 });
    channel.send('live');
    await vi.waitFor(() => expect(c.events).toHaveLength(3001));
    expect(c.data()).toEqual([...Array.from({ length: 3000 }, (_, i) => `e${i}`), 'live']);
    expect(limits.length).toBeGreaterThan(10);
    expect(limits.every((limit) => limit !== undefined && limit <= 256)).toBe(true);
  });

  it('replays events far larger than the share of the bound a page may hold to a client that reads, without dropping it', async () => {
    const { store } = recording(100);
    const channel = createChannel({ history: store });
    const big = 'y'.repeat(100 * 1024);
    for (let i = 0; i < 40; i++) await channel.send(`${i}:${big}`);
    const c = track(client({}, 'p-0'));
    channel.add(c.stream);
    await vi.waitFor(() => expect(c.events).toHaveLength(40), { timeout: 5000 });
    expect(c.stream.closed).toBe(false);
    expect(c.data().map((data) => data.split(':')[0])).toEqual(
      Array.from({ length: 40 }, (_, i) => String(i)),
    );
  });

  it('reads no further page for a resumer that does not read, and drops it as slow once what it holds passes its bound', async () => {
    const { store, limits } = recording(5000);
    const channel = createChannel({ history: store });
    const payload = 'x'.repeat(1000);
    for (let i = 0; i < 2000; i++) await channel.send(payload);
    const transport = webStreamTransport({ highWaterMark: 4096 });
    const stuck = openSSEStream(
      { transport, connectionHeader: false, lastEventIdHeader: 'p-0' },
      { heartbeat: false, maxBufferedBytes: 64 * 1024 },
    );
    opened.push(stuck);
    transport.response(); // nobody reads this body
    channel.add(stuck);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(stuck.closed).toBe(false);
    // One bounded page was read, not the 2 MB range.
    expect(limits).toHaveLength(1);
    expect(limits[0]).toBeLessThanOrEqual(256);
    for (let i = 0; i < 100 && !stuck.closed; i++) channel.send(payload);
    expect(stuck.closeReason).toBe('slow');
    expect(channel.stats.droppedSlow).toBe(1);
  });
});

describe('a history that delivers what it appends', () => {
  /** A stand-in for a shared engine: appends to a ring and delivers to every subscriber. */
  function engine() {
    const ring = memoryHistory({ size: 100, epoch: 'd' });
    const subscribers = new Set<{ deliver: (m: ChannelMessage) => void; onGap?: (gap: LiveGap) => void }>();
    // Like @ssekit/redis, it can also serve as a bus alone (`publish`), which a channel given it as
    // its history never calls.
    const history: DeliveringHistory & ChannelBus = {
      publish() {
        throw new Error('a delivering history is never published to');
      },
      append(message) {
        const stored = ring.append(message) as StoredMessage;
        for (const s of subscribers) s.deliver(stored);
        return stored;
      },
      after: (id, options) => ring.after(id, options),
      compare: (a, b) => ring.compare(a, b),
      subscribe(deliver, onGap) {
        const subscriber = { deliver, onGap };
        subscribers.add(subscriber);
        return () => subscribers.delete(subscriber);
      },
    };
    const gap = (lastEventId: string) => {
      for (const s of subscribers) s.onGap?.({ lastEventId, reason: 'expired' });
    };
    return { history, gap };
  }

  it('delivers each broadcast once, with the history alone and with the older history-and-bus form', async () => {
    for (const pass of ['alone', 'both']) {
      const { history } = engine();
      const channel = createChannel(pass === 'alone' ? { history } : { history, bus: history });
      const c = track(client());
      channel.add(c.stream);
      await channel.send('one');
      await c.settle();
      expect(c.events).toEqual([{ type: 'message', data: 'one', lastEventId: 'd-1' }]);
    }
  });

  it('refuses a separate bus next to a history that delivers', () => {
    const { history } = engine();
    expect(() => createChannel({ history, bus: localBus() })).toThrow(
      expect.objectContaining({ code: 'ERR_SSE_INVALID_OPTION', field: 'bus' }),
    );
  });

  it('sends live members the gap event when the history reports messages lost to this instance', async () => {
    const { history, gap } = engine();
    const channel = createChannel({ history });
    const c = track(client());
    channel.add(c.stream);
    await channel.send('before');
    gap('d-1');
    await channel.send('after');
    await c.settle();
    expect(c.events).toEqual([
      { type: 'message', data: 'before', lastEventId: 'd-1' },
      {
        type: 'ssekit-gap',
        data: JSON.stringify({ lastEventId: 'd-1', reason: 'expired' }),
        lastEventId: 'd-1',
      },
      { type: 'message', data: 'after', lastEventId: 'd-2' },
    ]);
    expect(channel.stats.gapsSignalled).toBe(1);
  });
});

describe('channel options', () => {
  it('blames the option that is wrong, with a typed error', () => {
    const cases: [object, string, unknown][] = [
      [{ maxLifetime: 0 }, 'maxLifetime', 0],
      [{ maxLifetime: 1000, lifetimeJitter: 2 }, 'lifetimeJitter', 2],
      [{ lifetimeJitter: Number.NaN }, 'lifetimeJitter', Number.NaN],
      [{ history: { size: 0 } }, 'history.size', 0],
      [{ history: { size: 10, maxAge: -1 } }, 'history.maxAge', -1],
    ];
    for (const [options, field, value] of cases) {
      let error: unknown;
      try {
        createChannel(options);
      } catch (caught) {
        error = caught;
      }
      expect(error).toBeInstanceOf(SSERangeError);
      expect(error).toMatchObject({ code: 'ERR_SSE_INVALID_OPTION', field, value });
      expect((error as Error).message).toContain(`${field} must be`);
    }
    expect(() => createChannel({ gapEvent: 'a\nb' })).toThrow(
      expect.objectContaining({ code: 'ERR_SSE_INVALID_OPTION', field: 'gapEvent', value: 'a\nb' }),
    );
  });

  it('refuses a monitor that lacks one of its three methods, with a typed error', () => {
    const monitor = { attach() {}, delivered() {} };
    expect(() => createChannel({ monitor: monitor as never })).toThrow(
      expect.objectContaining({ code: 'ERR_SSE_INVALID_OPTION', field: 'monitor', value: monitor }),
    );
  });
});

describe('counters and the monitor, for metrics', () => {
  it('counts each event and its bytes once per member it is written to, and what replays write', async () => {
    const channel = createChannel({ history: 10 });
    const live = [track(client()), track(client()), track(client())];
    for (const c of live) channel.add(c.stream, { filter: (m) => c !== live[2] || m.data !== 'b' });
    const first = (await channel.send('a')) as string;
    await channel.send('b');
    const wire = 'id: '.length + first.length + '\ndata: a\n\n'.length;
    expect(channel.stats).toMatchObject({ eventsSent: 2, eventsDelivered: 5, eventsReplayed: 0 });
    expect(channel.stats.bytesDelivered).toBe(5 * wire);

    const resumer = track(client({}, first));
    channel.add(resumer.stream);
    await resumer.settle();
    expect(resumer.data()).toEqual(['b']);
    expect(channel.stats).toMatchObject({
      eventsDelivered: 6,
      eventsReplayed: 1,
      replaysServed: 1,
      resumesWithGap: 0,
      gapsSignalled: 0,
    });
    expect(channel.stats.bytesDelivered).toBe(6 * wire);

    const lost = track(client({}, 'another-epoch-1'));
    channel.add(lost.stream);
    await lost.settle();
    expect(lost.events.map((event) => event.type)).toEqual(['ssekit-gap']);
    expect(channel.stats).toMatchObject({
      eventsDelivered: 6,
      replaysServed: 1,
      resumesWithGap: 1,
      gapsSignalled: 1,
    });
  });

  it('tells its monitor once per broadcast, however many members, with the time it was sent', async () => {
    const delivered: ChannelMessage[] = [];
    let stats: (() => unknown) | undefined;
    let detached = 0;
    const channel = createChannel({
      monitor: {
        attach: (read) => {
          stats = read;
        },
        delivered: (message) => delivered.push(message),
        detach: () => detached++,
      },
    });
    for (let i = 0; i < 50; i++) channel.add(track(client()).stream);
    const before = Date.now();
    await channel.send('one');
    await channel.send('two');
    expect(delivered.map((message) => message.data)).toEqual(['one', 'two']);
    for (const message of delivered) {
      expect(message.sentAt).toBeGreaterThanOrEqual(before);
      expect(message.sentAt).toBeLessThanOrEqual(Date.now());
    }
    expect(stats?.()).toMatchObject({ streams: 50, eventsDelivered: 100 });
    expect(detached).toBe(0);
    await channel.close();
    expect(detached).toBe(1);
  });

  it('reports a monitor that throws to onError and still delivers', async () => {
    const errors: unknown[] = [];
    const failure = new Error('monitor broke');
    const channel = createChannel({
      onError: (error) => errors.push(error),
      monitor: {
        attach() {},
        delivered() {
          throw failure;
        },
        detach() {},
      },
    });
    const c = track(client());
    channel.add(c.stream);
    await channel.send('still');
    await c.settle();
    expect(c.data()).toEqual(['still']);
    expect(errors).toEqual([failure]);
  });
});
