import { type ChannelMessage, createChannel, SSEFieldError, SSERangeError } from '@ssekit/core';
import { RedisChannelError, redisChannel } from '@ssekit/redis';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { connect, type SSEClient } from './client.js';
import { type Instance, startInstance } from './instance.js';
import { type RedisServer, redisAvailable, startRedisServer } from './redis-server.js';

const describeRedis = redisAvailable() ? describe : describe.skip;

describeRedis('redisChannel (one instance, real Redis, real HTTP)', () => {
  let redis: RedisServer;
  let admin: Redis;
  let keys = 0;
  const cleanups: Array<() => Promise<void>> = [];
  const key = () => `ssekit:test:${process.pid}:${++keys}`;
  const fast = { commandTimeout: 500, maxRetryDelay: 100, blockTimeout: 1_000 };

  async function instance(
    options: { key: string; maxLen?: number },
    onError?: (error: unknown) => void,
  ): Promise<Instance> {
    const started = await startInstance({ redis: redis.url, ...fast, ...options }, { onError });
    cleanups.push(() => started.close());
    return started;
  }
  async function client(url: string, lastEventId?: string): Promise<SSEClient> {
    const opened = await connect(url, lastEventId);
    cleanups.push(() => opened.close());
    return opened;
  }
  /** Resumes from `lastEventId` at `url`; the one event it gets is the gap event, resuming at `newest`. */
  async function expectGap(
    url: string,
    lastEventId: string | undefined,
    reason: string,
    newest: string | undefined,
  ) {
    const c = await client(url, lastEventId);
    await c.waitFor((events) => events.length === 1);
    expect(c.events[0]).toEqual({
      type: 'ssekit-gap',
      data: JSON.stringify({ lastEventId, reason }),
      lastEventId: newest,
    });
  }

  beforeAll(async () => {
    redis = await startRedisServer();
    admin = new Redis(redis.url, { maxRetriesPerRequest: 1, retryStrategy: () => 50 });
    admin.on('error', () => {});
  });
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });
  afterAll(async () => {
    admin?.disconnect();
    await redis?.stop();
  });

  it('replays exactly the events a reconnecting client missed, then continues live', async () => {
    const a = await instance({ key: key() });
    const first = await a.channel.send('one');
    await a.channel.send('two');
    await a.channel.send('three');
    const c = await client(`${a.url}/events`, first);
    await c.waitFor((events) => events.length === 2);
    await a.channel.send('four');
    await c.waitFor((events) => events.length === 3);
    expect(c.data()).toEqual(['two', 'three', 'four']);
    const ids = c.events.map((event) => event.lastEventId);
    expect(ids.every((id) => /^\d+-\d+$/.test(id))).toBe(true);
    expect([...ids].sort(a.shared.compare)).toEqual(ids);
  });

  it('moves a client drained from one instance to another, which replays exactly what it missed', async () => {
    const channelKey = key();
    const [a, b] = [await instance({ key: channelKey }), await instance({ key: channelKey })];
    const onA = await client(`${a.url}/events`);
    await a.channel.send('one');
    await onA.waitFor((events) => events.length === 1);
    const began = Date.now();
    await a.shutdown({ event: { data: 'bye', event: 'shutdown' }, retry: 1000, over: 200 });
    expect(Date.now() - began).toBeLessThan(200 + 2000);
    await onA.waitFor(() => onA.ended);
    expect(onA.events.at(-1)).toEqual({
      type: 'shutdown',
      data: 'bye',
      lastEventId: onA.events[0]?.lastEventId,
    });
    // Sent while the client is between instances; the client resumes from the last id it saw.
    await b.channel.send('two');
    const onB = await client(`${b.url}/events`, onA.events.at(-1)?.lastEventId);
    await onB.waitFor((events) => events.length === 1);
    await b.channel.send('three');
    await onB.waitFor((events) => events.length === 2);
    expect(onB.data()).toEqual(['two', 'three']);
  });

  it('sends the gap event, reason expired and the newest id, for an id trimmed away', async () => {
    const a = await instance({ key: key(), maxLen: 10 });
    const first = await a.channel.send('0');
    let newest: string | undefined;
    // Approximate trimming drops whole nodes of 100 entries, so go well past one.
    for (let i = 1; i < 300; i++) newest = await a.channel.send(String(i));
    await expectGap(`${a.url}/events`, first, 'expired', newest);
    expect(a.channel.stats.gapsSignalled).toBe(1);
  });

  it('replays the whole stream for the start id a client was given on an empty channel', async () => {
    const a = await instance({ key: key() });
    const early = await client(`${a.url}/events`, 'from-elsewhere');
    await early.waitFor((events) => events.length === 1);
    expect(early.events[0]).toMatchObject({ type: 'ssekit-gap', lastEventId: '0-0' });
    await early.close();
    await a.channel.send('a');
    await a.channel.send('b');
    const back = await client(`${a.url}/events`, '0-0');
    await back.waitFor((events) => events.length === 2);
    expect(back.data()).toEqual(['a', 'b']);
  });

  it('sends the gap event, reason unknown, for a malformed id, an id ahead of the newest and one never issued', async () => {
    const a = await instance({ key: key() });
    await a.channel.send('first');
    const newest = (await a.channel.send('second')) as string;
    const [ms, seq] = newest.split('-').map(BigInt) as [bigint, bigint];
    const ahead = `${ms + 1000n}-0`;
    const neverIssued = `${ms}-${seq + 1n}`.replace(/^(\d+)-/, (_, m) => `${BigInt(m) - 1n}-`);
    for (const id of ['not-an-id', '12', '01-0', ahead, neverIssued]) {
      await expectGap(`${a.url}/events`, id, 'unknown', newest);
    }
  });

  it('skips an entry another producer wrote that no event can carry, live and in replays, and reports it', async () => {
    const k = key();
    const errors: unknown[] = [];
    const a = await instance({ key: k }, (error) => errors.push(error));
    const live = await client(`${a.url}/events`);
    const first = await a.channel.send('one');
    await admin.call('XADD', k, '*', 'event', 'bad\nname', 'data', 'injected');
    const last = await a.channel.send('two');
    await live.waitFor((events) => events.length === 2);
    const resumer = await client(`${a.url}/events`, first);
    await resumer.waitFor((events) => events.length === 1);
    await a.channel.send('three');
    await resumer.waitFor((events) => events.length === 2);
    await live.waitFor((events) => events.length === 3);
    expect(live.data()).toEqual(['one', 'two', 'three']);
    expect(resumer.events.map((event) => [event.data, event.lastEventId])).toEqual([
      ['two', last],
      ['three', expect.stringMatching(/^\d+-\d+$/)],
    ]);
    expect(resumer.ended).toBe(false);
    // Once on the live path, once for the replay that read it.
    expect(errors).toHaveLength(2);
    expect(errors.every((error) => error instanceof SSEFieldError)).toBe(true);
  });

  it('carries the send time through the stream for the bus lag, and delivers entries without one or with a foreign one', async () => {
    const k = key();
    const a = await instance({ key: k });
    const b = await instance({ key: k });
    const seen: ChannelMessage[] = [];
    const unsubscribe = b.shared.subscribe((message) => seen.push(message));
    cleanups.push(async () => unsubscribe());
    const before = Date.now();
    await a.channel.send('timed');
    // Written by an older release, or by another program.
    await admin.call('XADD', k, '*', 'data', 'untimed');
    await admin.call('XADD', k, '*', 'data', 'garbled', 'sentAt', 'soon');
    await admin.call('XADD', k, '*', 'data', 'negative', 'sentAt', '-5');
    await admin.call('XADD', k, '*', 'data', 'huge', 'sentAt', '1e400');
    await expect.poll(() => seen.length).toBe(5);
    const [timed, ...others] = seen;
    expect(timed?.data).toBe('timed');
    expect(timed?.sentAt).toBeGreaterThanOrEqual(before);
    expect(timed?.sentAt).toBeLessThanOrEqual(Date.now());
    expect(others.map((message) => [message.data, message.sentAt])).toEqual([
      ['untimed', undefined],
      ['garbled', undefined],
      ['negative', undefined],
      ['huge', undefined],
    ]);
  });

  it('orders ids by number, not by text', () => {
    const shared = redisChannel({ redis: redis.url, key: key() });
    cleanups.push(() => shared.close());
    expect(shared.compare('9-0', '10-0')).toBeLessThan(0);
    expect(shared.compare('10-2', '10-10')).toBeLessThan(0);
    expect(shared.compare('18446744073709551615-1', '18446744073709551615-0')).toBeGreaterThan(0);
    expect(shared.compare('5-5', '5-5')).toBe(0);
  });

  it('rejects sends while Redis is down, keeps clients connected, and delivers again once it is back', async () => {
    const a = await instance({ key: key() });
    const c = await client(`${a.url}/events`);
    await a.channel.send('before');
    await redis.stop();
    const started = Date.now();
    const failure = await a.channel.send('during').catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(RedisChannelError);
    expect(failure).toMatchObject({ code: 'ERR_SSE_REDIS_UNAVAILABLE', key: a.shared.key });
    expect((failure as Error).message).toMatch(/The event was not published/);
    expect(Date.now() - started).toBeLessThan(1_000);
    await redis.start();
    await expect.poll(() => a.channel.send('after').catch(() => undefined), { timeout: 5_000 }).toBeDefined();
    await c.waitFor((events) => events.some((event) => event.data === 'after'));
    expect(c.ended).toBe(false);
    expect(c.data()).toEqual(['before', 'after']);
  });

  it('follows a recreated stream from its start, even when its ids are lower than those delivered before', async () => {
    const k = key();
    const a = await instance({ key: k });
    const c = await client(`${a.url}/events`);
    await a.channel.send('old');
    await redis.stop();
    await redis.start();
    // A fresh stream whose ids are far below the one the follower delivered last.
    await expect.poll(() => admin.call('XADD', k, '1-1', 'data', 'fresh').catch(() => undefined)).toBe('1-1');
    await c.waitFor((events) => events.some((event) => event.data === 'fresh'));
    expect(c.events.map((event) => [event.data, event.lastEventId])).toEqual([
      ['old', expect.stringMatching(/^\d+-\d+$/)],
      ['fresh', '1-1'],
    ]);
  });

  it('closes both of its Redis connections when the channel closes', async () => {
    const k = key();
    const shared = redisChannel({ redis: redis.url, key: k, ...fast });
    await shared.ready();
    const channel = createChannel({ history: shared });
    await channel.send('x');
    const ours = async () =>
      String(await admin.call('CLIENT', 'LIST'))
        .split('\n')
        .filter((line) => line.includes(`name=ssekit:${k}`)).length;
    expect(await ours()).toBe(2);
    await channel.close();
    await expect.poll(ours).toBe(0);
    await expect(channel.send('y')).rejects.toThrow(/closed/);
    await expect(shared.append({ data: 'z' })).rejects.toMatchObject({ code: 'ERR_SSE_REDIS_CLOSED' });
  });

  it('carries broadcasts between channels as a bus alone, with the ids given', async () => {
    const k = key();
    const one = redisChannel({ redis: redis.url, key: k, ...fast });
    const two = redisChannel({ redis: redis.url, key: k, ...fast });
    await Promise.all([one.ready(), two.ready()]);
    const sender = createChannel({ bus: one });
    const receiver = createChannel({ bus: two });
    cleanups.push(
      () => sender.close(),
      () => receiver.close(),
    );
    const received: unknown[] = [];
    two.subscribe((message) => received.push(message));
    await sender.send('hello', { id: 'my-id', event: 'greeting' });
    await sender.send('plain');
    await expect.poll(() => received.length).toBe(2);
    expect(received).toEqual([
      { id: 'my-id', event: 'greeting', data: 'hello', sentAt: expect.any(Number) },
      { id: undefined, event: undefined, data: 'plain', sentAt: expect.any(Number) },
    ]);
  });

  it('refuses an empty key and out-of-range options with typed errors', () => {
    const attempt = (options: object) => () =>
      redisChannel({ redis: redis.url, key: 'k', ...options } as Parameters<typeof redisChannel>[0]);
    expect(attempt({ key: '' })).toThrow(SSEFieldError);
    expect(attempt({ key: '' })).toThrow(
      expect.objectContaining({ code: 'ERR_SSE_INVALID_OPTION', field: 'key' }),
    );
    for (const [field, value] of [
      ['maxLen', 0],
      ['maxLen', 1.5],
      ['commandTimeout', -1],
      ['blockTimeout', Number.NaN],
      ['maxRetryDelay', Number.POSITIVE_INFINITY],
    ] as const) {
      expect(attempt({ [field]: value })).toThrow(SSERangeError);
      expect(attempt({ [field]: value })).toThrow(
        expect.objectContaining({ code: 'ERR_SSE_INVALID_OPTION', field, value }),
      );
    }
    expect(attempt({ redis: 42 })).toThrow(expect.objectContaining({ field: 'redis' }));
  });
});
