import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { SSERangeError } from '../src/errors.js';
import { heartbeatStats } from '../src/heartbeat.js';
import type { SSEOptions } from '../src/options.js';
import { openSSEStream, type SSEStream } from '../src/stream.js';
import { webStreamTransport } from '../src/transports/web-stream.js';

const decoder = new TextDecoder();
/** Streams a test opened, closed after it even when it fails, so one failure cannot leak a timer into the next. */
const opened: SSEStream[] = [];

/** Opens a stream on a real web-stream transport and collects what its client receives. */
function openCollected(options: SSEOptions) {
  const transport = webStreamTransport();
  const stream = openSSEStream({ transport, connectionHeader: false }, options);
  opened.push(stream);
  const reader = transport.response().body!.getReader();
  const received = { text: '' };
  void (async () => {
    for (;;) {
      const { done, value } = await reader.read().catch(() => ({ done: true, value: undefined }));
      if (done) return;
      received.text += decoder.decode(value, { stream: true });
    }
  })();
  return { stream, reader, received };
}

/** Moves the fake clock and lets the body reader take what was written meanwhile. */
async function advance(ms: number) {
  await vi.advanceTimersByTimeAsync(ms);
}

beforeEach(() => {
  vi.useFakeTimers();
});

afterEach(() => {
  for (const stream of opened.splice(0)) stream.close();
  vi.useRealTimers();
  vi.restoreAllMocks();
  expect(heartbeatStats()).toEqual({ streams: 0, timers: 0 });
});

describe('heartbeat', () => {
  it('writes no comment before a whole interval of silence, then one within 1.2 intervals', async () => {
    const { stream, received } = openCollected({ heartbeat: 1000 });
    await advance(999);
    expect(received.text).toBe('');
    await advance(201);
    expect(received.text).toBe(':\n\n');
    stream.close();
  });

  it('keeps a whole interval of silence after a write made between two scheduler ticks', async () => {
    const { stream, received } = openCollected({ heartbeat: 1000 });
    await advance(100);
    await stream.send('x');
    // 999 ms of silence since the event: a heartbeat now would come early.
    await advance(999);
    expect(received.text).toBe('data: x\n\n');
    await advance(201);
    expect(received.text).toBe('data: x\n\n:\n\n');
    stream.close();
  });

  it('postpones the heartbeat with every write, comments included', async () => {
    const { stream, received } = openCollected({ heartbeat: 1000 });
    for (let i = 0; i < 5; i++) {
      await advance(800);
      stream.comment('busy');
    }
    await advance(0);
    expect(received.text).toBe(': busy\n\n'.repeat(5));
    await advance(1200);
    expect(received.text).toBe(`${': busy\n\n'.repeat(5)}:\n\n`);
    stream.close();
  });

  it('repeats on an idle stream, never more often than once per interval', async () => {
    const { stream, received } = openCollected({ heartbeat: 1000 });
    await advance(10_000);
    const count = received.text.split(':\n\n').length - 1;
    expect(received.text).toBe(':\n\n'.repeat(count));
    expect(count).toBeGreaterThanOrEqual(Math.floor(10_000 / 1200));
    expect(count).toBeLessThanOrEqual(10);
    stream.close();
  });

  it('never writes a comment with heartbeat false, and starts no timer', async () => {
    const setIntervalSpy = vi.spyOn(globalThis, 'setInterval');
    const { stream, received } = openCollected({ heartbeat: false });
    expect(heartbeatStats()).toEqual({ streams: 0, timers: 0 });
    await advance(60_000);
    expect(received.text).toBe('');
    expect(setIntervalSpy).not.toHaveBeenCalled();
    stream.close();
  });

  it('uses the 15 s default when no interval is given', async () => {
    const { stream, received } = openCollected({});
    await advance(14_999);
    expect(received.text).toBe('');
    await advance(3001);
    expect(received.text).toBe(':\n\n');
    stream.close();
  });

  it('drives any number of streams on one interval with one timer', async () => {
    const setIntervalSpy = vi.spyOn(globalThis, 'setInterval');
    const streams = Array.from({ length: 1000 }, () => openCollected({ heartbeat: 1000 }));
    expect(heartbeatStats()).toEqual({ streams: 1000, timers: 1 });
    expect(setIntervalSpy).toHaveBeenCalledTimes(1);
    expect(vi.getTimerCount()).toBe(1);
    await advance(1200);
    expect(streams.every(({ received }) => received.text === ':\n\n')).toBe(true);
    for (const { stream } of streams) stream.close();
    expect(heartbeatStats()).toEqual({ streams: 0, timers: 0 });
    expect(vi.getTimerCount()).toBe(0);
  });

  it('uses one timer per distinct interval', () => {
    const a = openCollected({ heartbeat: 1000 });
    const b = openCollected({ heartbeat: 1000 });
    const c = openCollected({ heartbeat: 5000 });
    expect(heartbeatStats()).toEqual({ streams: 3, timers: 2 });
    c.stream.close();
    expect(heartbeatStats()).toEqual({ streams: 2, timers: 1 });
    a.stream.close();
    b.stream.close();
  });

  it('leaves no timer behind when the client leaves', async () => {
    const { stream, reader } = openCollected({ heartbeat: 1000 });
    expect(heartbeatStats()).toEqual({ streams: 1, timers: 1 });
    await reader.cancel();
    expect(stream.closeReason).toBe('client');
    expect(heartbeatStats()).toEqual({ streams: 0, timers: 0 });
    expect(vi.getTimerCount()).toBe(0);
  });

  it('starts a fresh timer for streams opened after the last one closed', async () => {
    const first = openCollected({ heartbeat: 1000 });
    first.stream.close();
    expect(heartbeatStats()).toEqual({ streams: 0, timers: 0 });
    const second = openCollected({ heartbeat: 1000 });
    expect(heartbeatStats()).toEqual({ streams: 1, timers: 1 });
    await advance(1200);
    expect(second.received.text).toBe(':\n\n');
    second.stream.close();
  });

  it('stops writing heartbeats to a closed stream while others go on', async () => {
    const a = openCollected({ heartbeat: 1000 });
    const b = openCollected({ heartbeat: 1000 });
    a.stream.close();
    await advance(1200);
    expect(a.received.text).toBe('');
    expect(b.received.text).toBe(':\n\n');
    b.stream.close();
  });

  it('refuses an interval too long for a timer instead of firing every millisecond', () => {
    const transport = webStreamTransport();
    expect(() => openSSEStream({ transport, connectionHeader: false }, { heartbeat: 2 ** 40 })).toThrowError(
      SSERangeError,
    );
    expect(() => openSSEStream({ transport, connectionHeader: false }, { heartbeat: 2 ** 40 })).toThrowError(
      expect.objectContaining({
        code: 'ERR_SSE_INVALID_OPTION',
        field: 'heartbeat',
        value: 2 ** 40,
        message:
          'heartbeat must be a positive number of milliseconds up to 2147483647, or false, got 1099511627776.',
      }),
    );
  });
});
