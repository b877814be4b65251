// Redis as the engine of test-kit's shared test bodies (describeReplayMemory, describeStalledInstance):
// a fresh redis-server for each suite, written to directly with ioredis.
import type { EngineHarness } from '@ssekit/test-kit';
import { Redis } from 'ioredis';
import { packageRoot, type RedisServer, redisAvailable, startRedisServer } from './redis-server.js';

const key = 'ssekit:engine';
let redis: RedisServer | undefined;
let admin: Redis | undefined;

export const redisEngine: EngineHarness = {
  name: 'real Redis',
  pkg: 'redis',
  packageRoot,
  available: redisAvailable(),
  async start(keep) {
    redis = await startRedisServer();
    admin = new Redis(redis.url);
    return { REDIS_URL: redis.url, CHANNEL_KEY: key, MAX_LEN: String(keep) };
  },
  /** XADDs in pipelined batches of a thousand. */
  async fill(count, prefix, data) {
    const ids: string[] = [];
    for (let done = 0; done < count; done += 1000) {
      const pipeline = (admin as Redis).pipeline();
      for (let i = done; i < Math.min(count, done + 1000); i++) {
        pipeline.xadd(key, '*', 'data', `${prefix}${i}:${data}`);
      }
      for (const [error, id] of (await pipeline.exec()) ?? []) {
        if (error) throw error;
        ids.push(id as string);
      }
    }
    return ids;
  },
  async stop() {
    admin?.disconnect();
    await redis?.stop();
  },
};
