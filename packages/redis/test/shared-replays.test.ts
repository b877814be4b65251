// A reconnect storm on a Redis-backed channel: resumers asking for the same page together cost Redis
// one XRANGE per page (counted by the real server's command statistics), and every resumer still
// gets every event it missed, once, in order.
import { createChannel } from '@ssekit/core';
import { type RedisChannel, redisChannel } from '@ssekit/redis';
import { describeStormFromOneId, type StormClient, stormSession, waitFor } from '@ssekit/test-kit';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RedisServer, redisAvailable, startRedisServer } from './redis-server.js';

const describeRedis = redisAvailable() ? describe : describe.skip;
const RESUMERS = 200;

let stormServer: RedisServer;
let stormAdmin: Redis;
let stormKeys = 0;
describeStormFromOneId({
  name: 'real Redis',
  available: redisAvailable(),
  async setup() {
    stormServer = await startRedisServer();
    stormAdmin = new Redis(stormServer.url);
  },
  async teardown() {
    stormAdmin.disconnect();
    await stormServer.stop();
  },
  async open() {
    const key = `ssekit:storm-one-id:${process.pid}:${++stormKeys}`;
    const shared = redisChannel({ redis: stormServer.url, key, commandTimeout: 10_000 });
    await shared.ready();
    return shared;
  },
  /** XRANGE calls the server has answered since the last `CONFIG RESETSTAT`. */
  async serverReads() {
    const stats = await stormAdmin.info('commandstats');
    return Number(/cmdstat_xrange:calls=(\d+)/.exec(stats)?.[1] ?? 0);
  },
  async resetServerReads() {
    await stormAdmin.config('RESETSTAT');
  },
});

describeRedis('replays shared by a reconnect storm (real Redis, real HTTP)', () => {
  let redis: RedisServer;
  let admin: Redis;
  const storm = stormSession();
  let keys = 0;

  beforeAll(async () => {
    redis = await startRedisServer();
    admin = new Redis(redis.url);
  });
  afterAll(async () => {
    admin.disconnect();
    await redis.stop();
  });

  /** A fresh stream with `count` events; resolves to the channel on it and the events' ids. */
  async function filled(count: number): Promise<{ shared: RedisChannel; ids: string[] }> {
    const key = `ssekit:storm:${process.pid}:${++keys}`;
    const ids: string[] = [];
    const pipeline = admin.pipeline();
    for (let i = 1; i <= count; i++) pipeline.xadd(key, '*', 'data', `event ${i}`);
    for (const [error, id] of (await pipeline.exec()) ?? []) {
      if (error) throw error;
      ids.push(id as string);
    }
    const shared = redisChannel({ redis: redis.url, key, commandTimeout: 10_000 });
    await shared.ready();
    return { shared, ids };
  }

  const data = (client: StormClient) => client.events.map((event) => event.data);
  const expected = (from: number, to: number) =>
    Array.from({ length: to - from }, (_, i) => `event ${from + 1 + i}`);

  it('resumers from ten ids, with broadcasts during the storm, each get every event once, in order', async () => {
    const { shared, ids } = await filled(300);
    const channel = createChannel({ history: shared });
    const { url } = await storm.serve(channel);
    const from = Array.from({ length: RESUMERS }, (_, i) => (i % 10) * 25 + 1);
    let sent = 300;
    let clients: StormClient[] = [];
    const sends: Promise<unknown>[] = [];
    const live = setInterval(() => sends.push(channel.send(`event ${++sent}`)), 5);
    try {
      clients = await storm.openAll(
        url,
        from.map((n) => ids[n - 1]),
      );
      await waitFor(() => channel.size === RESUMERS, 'every resumer to join', 30_000);
    } finally {
      clearInterval(live);
    }
    await Promise.all(sends);
    await channel.send(`event ${++sent}`);
    const last = `event ${sent}`;
    await Promise.all(clients.map((c) => c.until((c) => c.events.at(-1)?.data === last, 'the last event')));
    clients.forEach((client, i) => {
      expect(data(client)).toEqual(expected(from[i] as number, sent));
    });
    await channel.close();
  });
});
