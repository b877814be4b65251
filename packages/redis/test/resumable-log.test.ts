// redisResumableLog against a real redis-server: two logs in this process, each with its own
// connections, stand for two instances (the HTTP tests across processes are in resumable-http.test.ts).
import type { LogChange, ResumableLimits, ResumableLog } from '@ssekit/core';
import { type RedisResumableLogOptions, redisResumableLog } from '@ssekit/redis';
import { until, waitFor } from '@ssekit/test-kit';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type RedisServer, redisAvailable, startRedisServer } from './redis-server.js';

const describeRedis = redisAvailable() ? describe : describe.skip;

const LIMITS: ResumableLimits = { maxEvents: 1_000, maxBytes: 1_000_000, ttl: 60_000, maxDuration: 60_000 };
const PREFIX = 'test:resumable:';

describeRedis('redisResumableLog on a real Redis', () => {
  let redis: RedisServer;
  let raw: Redis;
  const logs: ResumableLog[] = [];
  let streams = 0;
  const newId = () => `s${process.pid}-${++streams}`;

  function log(options: Partial<RedisResumableLogOptions> = {}): ResumableLog {
    const made = redisResumableLog({ redis: redis.url, prefix: PREFIX, maxRetryDelay: 200, ...options });
    logs.push(made);
    return made;
  }
  /** Records what a watcher is told. */
  function watcher(on: ResumableLog, id: string) {
    const changes: LogChange[] = [];
    const stop = on.watch(id, (change) => changes.push(change));
    return { changes, stop };
  }

  beforeAll(async () => {
    redis = await startRedisServer();
    raw = new Redis(redis.url);
    // It is cut off when Redis restarts below; its errors are not this test's subject.
    raw.on('error', () => {});
  });
  afterEach(async () => {
    await Promise.all(logs.splice(0).map((made) => made.close()));
  });
  afterAll(async () => {
    raw?.disconnect();
    await redis?.stop();
  });

  it('refuses options out of range with a typed error naming the option', () => {
    const invalid = (field: string) => expect.objectContaining({ code: 'ERR_SSE_INVALID_OPTION', field });
    expect(() => redisResumableLog({ redis: redis.url, prefix: 'a{b}:' })).toThrow(invalid('prefix'));
    expect(() => redisResumableLog({ redis: redis.url, prefix: '' })).toThrow(invalid('prefix'));
    expect(() => redisResumableLog({ redis: redis.url, commandTimeout: 0 })).toThrow(
      invalid('commandTimeout'),
    );
    expect(() => redisResumableLog({ redis: 42 as unknown as string })).toThrow(invalid('redis'));
  });

  it('creates a stream once when two instances create it at the same time', async () => {
    const [a, b] = [log(), log()];
    const id = newId();
    const results = await Promise.all([a.create(id, LIMITS), b.create(id, LIMITS), a.create(id, LIMITS)]);
    expect(results.filter((result) => result.created)).toHaveLength(1);
    expect(new Set(results.map((result) => result.generation)).size).toBe(1);
    expect(results[0]?.generation).toMatch(/^[0-9a-z]+$/);
  });

  it('numbers events from 1, reads them in pages from any instance, and keeps names and data exactly', async () => {
    const [a, b] = [log(), log()];
    const id = newId();
    const { generation } = await a.create(id, LIMITS);
    const sent = ['plain', '', 'é ✓ 🎉', 'two\nlines\r\n'];
    const seqs = [];
    for (const [n, data] of sent.entries()) {
      seqs.push(await a.append(id, generation, n % 2 ? { event: 'token', data } : { data }));
    }
    expect(seqs).toEqual([1, 2, 3, 4]);
    const page = await b.read(id, { after: 1, limit: 2 });
    expect(page).toEqual({
      kind: 'page',
      generation,
      entries: [
        { seq: 2, event: 'token', data: '' },
        { seq: 3, data: 'é ✓ 🎉' },
      ],
      first: 1,
      last: 4,
      deadline: expect.any(Number),
    });
    const rest = await b.read(id, { generation, after: 3, limit: 10 });
    expect(rest.kind === 'page' && rest.entries).toEqual([
      { seq: 4, event: 'token', data: 'two\nlines\r\n' },
    ]);
    expect(await b.read(id, { generation: 'older', after: 0, limit: 10 })).toEqual({ kind: 'gone' });
    expect(await b.read(newId(), { after: 0, limit: 10 })).toEqual({ kind: 'gone' });
  });

  it('ends a stream once, from any instance, with the last event and the end read together', async () => {
    const [a, b] = [log(), log()];
    const id = newId();
    const { generation } = await a.create(id, LIMITS);
    await a.append(id, generation, { data: 'x' });
    expect(await b.finish(id, undefined, { state: 'cancelled', reason: 'request' })).toBe(true);
    expect(await a.finish(id, generation, { state: 'done' })).toBe(false);
    expect(await a.append(id, generation, { data: 'late' })).toBeUndefined();
    const page = await a.read(id, { after: 0, limit: 10 });
    expect(page).toMatchObject({
      kind: 'page',
      last: 1,
      terminal: { state: 'cancelled', reason: 'request' },
    });
    expect(await b.finish(newId(), undefined, { state: 'done' })).toBe(false);
  });

  it('tells a watcher on another instance of every append and of the end (cancel reaches the producer in milliseconds)', async () => {
    const [producer, canceller] = [log(), log()];
    const id = newId();
    const { generation } = await producer.create(id, LIMITS);
    const seen = watcher(producer, id);
    // The watch is live once its first state hint arrived.
    await waitFor(() => seen.changes.length > 0, 'the first hint');
    await canceller.create(id, LIMITS);
    await producer.append(id, generation, { data: 'a' });
    await waitFor(() => seen.changes.some((change) => change.last === 1), 'the append hint');
    const latencies: number[] = [];
    for (let n = 0; n < 20; n++) {
      const other = newId();
      const { generation: g } = await producer.create(other, LIMITS);
      const told = new Promise<number>((resolve) => {
        const stop = producer.watch(other, (change) => {
          if (change.terminal) {
            stop();
            resolve(performance.now());
          }
        });
      });
      await producer.read(other, { generation: g, after: 0, limit: 1 });
      await new Promise((resolve) => setTimeout(resolve, 20));
      const start = performance.now();
      await canceller.finish(other, undefined, { state: 'cancelled', reason: 'request' });
      latencies.push((await told) - start);
    }
    latencies.sort((x, y) => x - y);
    console.log(
      `cancel → producer's watcher across instances: p50 ${latencies[10]?.toFixed(1)} ms, max ${latencies[19]?.toFixed(1)} ms`,
    );
    expect(latencies[19]).toBeLessThan(1_000);
    await canceller.finish(id, undefined, { state: 'done' });
    await waitFor(() => seen.changes.some((change) => change.terminal?.state === 'done'), 'the end hint');
    seen.stop();
  });

  it('trims the oldest events past maxEvents or maxBytes, never renumbering', async () => {
    const a = log();
    const byCount = newId();
    const { generation } = await a.create(byCount, { ...LIMITS, maxEvents: 3 });
    for (let n = 1; n <= 5; n++) await a.append(byCount, generation, { data: `e${n}` });
    const page = await a.read(byCount, { after: 0, limit: 10 });
    expect(page).toMatchObject({ first: 3, last: 5 });
    expect(page.kind === 'page' && page.entries.map((entry) => entry.seq)).toEqual([3, 4, 5]);

    const byBytes = newId();
    const sized = await a.create(byBytes, { ...LIMITS, maxBytes: 10 });
    for (const data of ['aaaa', 'bbbb', 'cc']) await a.append(byBytes, sized.generation, { data });
    // 4 + 4 + 2 = 10 bytes fit; one more UTF-8 byte pushes the oldest out. "é" is 2 bytes.
    await a.append(byBytes, sized.generation, { event: 'x', data: 'é' });
    const bytes = await a.read(byBytes, { after: 0, limit: 10 });
    expect(bytes.kind === 'page' && bytes.entries.map((entry) => entry.data)).toEqual(['bbbb', 'cc', 'é']);
    expect(bytes).toMatchObject({ first: 2, last: 4 });
  });

  it('keeps a finished stream for its TTL, then reads it as gone and lets the id be created anew', async () => {
    const a = log();
    const id = newId();
    const first = await a.create(id, { ...LIMITS, ttl: 300 });
    await a.append(id, first.generation, { data: 'x' });
    await a.finish(id, first.generation, { state: 'done' });
    expect(await a.read(id, { after: 0, limit: 10 })).toMatchObject({
      kind: 'page',
      terminal: { state: 'done' },
    });
    await until(
      async () => ((await a.read(id, { after: 0, limit: 10 })).kind === 'gone' ? true : undefined),
      'expiry',
      5_000,
    );
    expect(await raw.exists(`${PREFIX}{${id}}:meta`, `${PREFIX}{${id}}:log`)).toBe(0);
    const second = await a.create(id, LIMITS);
    expect(second.created).toBe(true);
    expect(second.generation).not.toBe(first.generation);
    expect(await a.read(id, { generation: first.generation, after: 0, limit: 10 })).toEqual({ kind: 'gone' });
  });

  it('gives a reader racing the end either a running page or the whole log with the end, never less', async () => {
    const [producer, reader] = [log(), log()];
    for (let round = 0; round < 30; round++) {
      const id = newId();
      const { generation } = await producer.create(id, LIMITS);
      const appends = Array.from({ length: 5 }, (_, n) => producer.append(id, generation, { data: `t${n}` }));
      const [page] = await Promise.all([
        reader.read(id, { after: 0, limit: 100 }),
        ...appends,
        producer.finish(id, generation, { state: 'done' }),
      ]);
      if (page.kind !== 'page') throw new Error('a running stream read as gone');
      expect(page.entries.map((entry) => entry.seq)).toEqual(
        Array.from({ length: page.last }, (_, n) => n + 1),
      );
      if (page.terminal) expect(page.last).toBe(5);
    }
  });

  it('answers values another program wrote in its keys with ERR_SSE_REDIS_FOREIGN_VALUE, and ignores foreign messages', async () => {
    const a = log();
    const notAHash = newId();
    await raw.set(`${PREFIX}{${notAHash}}:meta`, 'hello');
    const foreign = { name: 'RedisChannelError', code: 'ERR_SSE_REDIS_FOREIGN_VALUE' };
    await expect(a.create(notAHash, LIMITS)).rejects.toMatchObject(foreign);
    await expect(a.read(notAHash, { after: 0, limit: 1 })).rejects.toMatchObject(foreign);
    await expect(a.append(notAHash, 'g', { data: 'x' })).rejects.toMatchObject(foreign);

    const noGeneration = newId();
    await raw.hset(`${PREFIX}{${noGeneration}}:meta`, 'owner', 'someone else');
    await expect(a.create(noGeneration, LIMITS)).rejects.toMatchObject(foreign);

    const badEntries = newId();
    const { generation } = await a.create(badEntries, LIMITS);
    await raw.xadd(`${PREFIX}{${badEntries}}:log`, '1-5', 'other', 'field');
    await expect(a.read(badEntries, { after: 0, limit: 10 })).rejects.toMatchObject(foreign);
    await expect(a.append(badEntries, generation, { data: 'x' })).rejects.toMatchObject(foreign);

    const badEnd = newId();
    await a.create(badEnd, LIMITS);
    await raw.hset(`${PREFIX}{${badEnd}}:meta`, 'end', '{"state":"exploded"}');
    await expect(a.read(badEnd, { after: 0, limit: 10 })).rejects.toMatchObject(foreign);

    const watched = newId();
    await a.create(watched, LIMITS);
    const seen = watcher(a, watched);
    await waitFor(() => seen.changes.length === 1, 'the first hint');
    for (const text of ['', 'x', '-1', '3 not json', '3 {"state":"nope"}']) {
      await raw.publish(`${PREFIX}{${watched}}:changes`, text);
    }
    await raw.publish(`${PREFIX}{${watched}}:changes`, '7');
    await waitFor(() => seen.changes.length === 2, 'the well-formed message');
    expect(seen.changes).toEqual([{ last: 0 }, { last: 7 }]);
    seen.stop();
  });

  it('rejects calls while Redis is down and, once it is back, tells watchers the state anew', async () => {
    const a = log({ commandTimeout: 500 });
    const id = newId();
    await a.create(id, LIMITS);
    const seen = watcher(a, id);
    await waitFor(() => seen.changes.length === 1, 'the first hint');
    await redis.stop();
    await expect(a.read(id, { after: 0, limit: 1 })).rejects.toMatchObject({
      code: 'ERR_SSE_REDIS_UNAVAILABLE',
    });
    await redis.start();
    // Without persistence the restarted Redis is empty: the stream is gone, and a new one is made.
    const { generation } = await until(
      () => a.create(id, LIMITS).catch(() => undefined),
      'a create after the restart',
      10_000,
    );
    await a.append(id, generation, { data: 'again' });
    await waitFor(() => seen.changes.some((change) => change.last === 1), 'a hint after the restart', 10_000);
    seen.stop();
  });
});
