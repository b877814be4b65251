// An instance paused (as a stalled host is) while another sends more than the stream keeps.
import { type ChildServer, ensureBuilt, postJson, startInstance } from '@ssekit/test-kit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect, type SSEClient } from './client.js';
import { packageRoot, type RedisServer, redisAvailable, startRedisServer } from './redis-server.js';

const describeRedis = redisAvailable() ? describe : describe.skip;

describeRedis(
  'an instance stalled while the stream is trimmed past it (separate processes, real HTTP)',
  () => {
    let redis: RedisServer;
    let paused: ChildServer;
    let sender: ChildServer;
    let watcher: SSEClient | undefined;

    beforeAll(async () => {
      ensureBuilt(['core', 'redis']);
      redis = await startRedisServer();
      const env = { REDIS_URL: redis.url, CHANNEL_KEY: `ssekit:stalled:${process.pid}`, MAX_LEN: '100' };
      [paused, sender] = await Promise.all([
        startInstance(packageRoot, env),
        startInstance(packageRoot, env),
      ]);
    }, 60_000);
    afterAll(async () => {
      await watcher?.close();
      await Promise.all([paused?.close(), sender?.close()]);
      await redis?.stop();
    });

    it('sends its clients the gap event, reason expired, before the events that follow, never a silent jump', async () => {
      watcher = await connect(`${paused.url}/events`);
      const first = await postJson<{ id?: string }>(sender, '/send', { data: 'before' });
      await watcher.waitFor((events) => events.length === 1);
      process.kill(paused.pid, 'SIGSTOP');
      let results: { data: string; id?: string }[];
      try {
        ({ results } = await postJson<{ results: typeof results }>(sender, '/burst', {
          count: 1500,
          intervalMs: 0,
          prefix: 's',
        }));
      } finally {
        process.kill(paused.pid, 'SIGCONT');
      }
      expect(results.every((result) => result.id !== undefined)).toBe(true);
      const w = watcher;
      await w.waitFor((events) => events.at(-1)?.data === 's1499', 10_000);

      const gapAt = w.events.findIndex((event) => event.type === 'ssekit-gap');
      expect(gapAt).toBeGreaterThan(0);
      expect(JSON.parse(w.events[gapAt]?.data as string)).toMatchObject({ reason: 'expired' });
      // Before the gap: what this instance delivered before it stalled; after it: contiguous to the end.
      const before = w.events.slice(0, gapAt).map((event) => event.data);
      const after = w.events.slice(gapAt + 1).map((event) => event.data);
      expect(before[0]).toBe('before');
      expect(w.events[0]?.lastEventId).toBe(first.id);
      const firstAfter = Number(after[0]?.slice(1));
      expect(after).toEqual(Array.from({ length: 1500 - firstAfter }, (_, i) => `s${firstAfter + i}`));
      expect(before.length - 1 + after.length).toBeLessThan(1500);
      expect(w.events.filter((event) => event.type === 'ssekit-gap')).toHaveLength(1);
    }, 30_000);
  },
);
