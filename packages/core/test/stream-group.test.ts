import { afterEach, describe, expect, it, vi } from 'vitest';
import { createChannel } from '../src/channel.js';
import { SSERangeError } from '../src/errors.js';
import { openSSEStream } from '../src/stream.js';
import { createStreamGroup, type StreamGroup, withStreamGroup } from '../src/stream-group.js';
import { webStreamTransport } from '../src/transports/web-stream.js';
import { readToEnd } from './read-to-end.js';

/** A stream opened in `group` on a real web-stream transport, and everything its client will receive. */
function open(group: StreamGroup) {
  const transport = webStreamTransport();
  const stream = openSSEStream({ transport, connectionHeader: false, group }, { heartbeat: false });
  const body = readToEnd(transport.response().body!.getReader());
  return { stream, body };
}

afterEach(() => {
  vi.useRealTimers();
});

describe('StreamGroup', () => {
  it('holds the streams opened with it and forgets each one that closes', () => {
    const group = createStreamGroup();
    const [a, b] = [open(group), open(group)];
    expect(group.size).toBe(2);
    a.stream.close();
    expect(group.size).toBe(1);
    b.stream.close();
    expect(group.size).toBe(0);
  });

  it('drains every stream with the last event and retry hint, spreading the closes over the window', async () => {
    vi.useFakeTimers();
    const group = createStreamGroup({ serializer: (data) => `<${String(data)}>` });
    const clients = Array.from({ length: 40 }, () => open(group));
    const done = group.close({ event: { data: 7, event: 'shutdown' }, retry: 3000, over: 1000 });
    vi.advanceTimersByTime(500);
    const openAtHalf = clients.filter((c) => !c.stream.closed).length;
    expect(openAtHalf).toBeGreaterThan(10);
    expect(openAtHalf).toBeLessThan(30);
    vi.advanceTimersByTime(550);
    await done;
    expect(group.size).toBe(0);
    vi.useRealTimers();
    for (const c of clients) {
      expect(await c.body).toBe('event: shutdown\nretry: 3000\ndata: <7>\n\n');
    }
  });

  it('closes a stream opened after the drain began at once, with the last event and retry hint', async () => {
    const group = createStreamGroup();
    const done = group.close({ event: { data: 'bye' }, retry: 3000 });
    const late = open(group);
    expect(late.stream.closed).toBe(true);
    expect(group.size).toBe(0);
    expect(await late.body).toBe('retry: 3000\ndata: bye\n\n');
    await done;
    expect(group.close()).toBe(done);
  });

  it('refuses an out-of-range window before anything changes, and keeps its streams open', async () => {
    const group = createStreamGroup();
    const c = open(group);
    expect(() => group.close({ over: Infinity })).toThrow(SSERangeError);
    expect(c.stream.closed).toBe(false);
    await group.close();
    expect(c.stream.closed).toBe(true);
    expect(await c.body).toBe('');
  });

  it('sends one last event to a stream that its group and a channel both drain', async () => {
    const group = createStreamGroup();
    const channel = createChannel();
    const c = open(group);
    channel.add(c.stream);
    const last = { event: { data: 'bye' }, retry: 3000, over: 100 };
    await Promise.all([channel.close(last), group.close(last)]);
    expect(await c.body).toBe('retry: 3000\ndata: bye\n\n');
  });

  it('lends its size and close to an adapter handler', async () => {
    const group = createStreamGroup();
    const handler = withStreamGroup(() => 'handled', group);
    const c = open(group);
    expect(handler()).toBe('handled');
    expect(handler.size).toBe(1);
    await handler.close();
    expect(handler.size).toBe(0);
    expect(c.stream.closed).toBe(true);
  });
});
