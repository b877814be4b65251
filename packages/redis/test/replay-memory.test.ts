// Clients resuming from far back that never read: what the instance holds for them stays bounded.
import { createConnection, type Socket } from 'node:net';
import type { ChannelStats } from '@ssekit/core';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ChildInstance, ensureBuilt, startInstance } from './child-instance.js';
import { connect } from './client.js';
import { type RedisServer, redisAvailable, startRedisServer } from './redis-server.js';

const describeRedis = redisAvailable() ? describe : describe.skip;

const ENTRIES = 10_000;
const RESUMERS = 16;
const PAYLOAD = 'x'.repeat(1024);
const MIB = 1024 * 1024;

type Memory = { heapUsed: number; arrayBuffers: number };

describeRedis('resumers that never read (separate process, real Redis, real HTTP)', () => {
  let redis: RedisServer;
  let admin: Redis;
  let instance: ChildInstance;
  const key = `ssekit:replay-memory:${process.pid}`;
  const sockets: Socket[] = [];

  /** Adds entries straight to the stream, as many sends would, in pipelined batches. */
  async function fill(count: number, prefix: string): Promise<string[]> {
    const ids: string[] = [];
    for (let done = 0; done < count; done += 1000) {
      const pipeline = admin.pipeline();
      for (let i = done; i < Math.min(count, done + 1000); i++) {
        pipeline.xadd(key, '*', 'data', `${prefix}${i}:${PAYLOAD}`);
      }
      for (const [error, id] of (await pipeline.exec()) ?? []) {
        if (error) throw error;
        ids.push(id as string);
      }
    }
    return ids;
  }
  const live = async () => {
    const { heapUsed, arrayBuffers } = await instance.get<Memory>('/memory');
    return heapUsed + arrayBuffers;
  };

  beforeAll(async () => {
    ensureBuilt();
    redis = await startRedisServer();
    admin = new Redis(redis.url);
    instance = await startInstance(
      {
        REDIS_URL: redis.url,
        CHANNEL_KEY: key,
        MAX_LEN: String(ENTRIES * 2),
        HEARTBEAT_MS: '60000',
        // Sixteen replays and the follower share two busy cores here: no read may time out.
        COMMAND_TIMEOUT_MS: '10000',
      },
      10_000,
      ['--expose-gc'],
    );
  }, 120_000);
  afterAll(async () => {
    for (const socket of sockets) socket.destroy();
    await instance?.close();
    admin?.disconnect();
    await redis?.stop();
  });

  it('holds a bounded amount for each, drops them as slow once live events pass their bound, and lets one resume later', async () => {
    const ids = await fill(ENTRIES, 'h');
    const from = ids[0] as string;
    // The follower has delivered them all (to no one) before the resumers come.
    await expect
      .poll(async () => (await instance.get<ChannelStats>('/stats')).eventsSent, { timeout: 20_000 })
      .toBe(ENTRIES);
    const baseline = await live();

    for (let i = 0; i < RESUMERS; i++) {
      const socket = createConnection(Number(new URL(instance.url).port), '127.0.0.1');
      socket.write(`GET /events HTTP/1.1\r\nHost: 127.0.0.1\r\nLast-Event-ID: ${from}\r\n\r\n`);
      socket.pause(); // never reads: the kernel buffers fill, then the server's
      sockets.push(socket);
    }
    // Let every replay start, then run until its client's buffers are full.
    await expect
      .poll(async () => (await instance.get<ChannelStats>('/stats')).replaysServed, { timeout: 20_000 })
      .toBe(RESUMERS);
    let held = 0;
    for (let round = 0, previous = -1; round < 20; round++) {
      await new Promise((resolve) => setTimeout(resolve, 250));
      held = (await live()) - baseline;
      if (Math.abs(held - previous) < MIB && round > 3) break;
      previous = held;
    }
    // Each is held to about its 1 MiB bound; reading each whole range would hold ~10 MiB each.
    expect(held / MIB).toBeLessThan(RESUMERS * 1.25);
    expect((await instance.get<ChannelStats>('/stats')).streams).toBe(RESUMERS);

    // Live events queue behind each replay; past the bound, the resumer is dropped as slow.
    const liveIds = await fill(1100, 'l');
    await expect
      .poll(async () => (await instance.get<ChannelStats>('/stats')).droppedSlow, { timeout: 10_000 })
      .toBe(RESUMERS);

    // A dropped client resumes later and gets everything, in order.
    const resumed = await connect(`${instance.url}/events`, from);
    const expected = ENTRIES - 1 + liveIds.length;
    await resumed.waitFor((events) => events.length >= expected, 20_000);
    await resumed.close();
    const received = resumed.events.map((event) => event.lastEventId);
    expect(received).toEqual([...ids.slice(1), ...liveIds]);
  }, 90_000);
});
