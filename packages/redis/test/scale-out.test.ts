// Three server instances in separate processes share one channel through one Redis stream.
import {
  burst,
  type ChildServer,
  confirmedAcrossOutage,
  ensureBuilt,
  expectConfirmedOnce,
  sendThrough as send,
  startInstances,
} from '@ssekit/test-kit';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { connect, type SSEClient } from './client.js';
import { packageRoot, type RedisServer, redisAvailable, startRedisServer } from './redis-server.js';
import { inStreamOrder } from './stream-order.js';

const describeRedis = redisAvailable() ? describe : describe.skip;

describeRedis('three instances sharing a channel through Redis (separate processes, real HTTP)', () => {
  let redis: RedisServer;
  let instances: ChildServer[] = [];
  const clients: SSEClient[] = [];

  async function client(instance: ChildServer, lastEventId?: string): Promise<SSEClient> {
    const opened = await connect(`${instance.url}/events`, lastEventId);
    clients.push(opened);
    return opened;
  }
  const withPrefix = (c: SSEClient, prefix: string) => c.data().filter((data) => data.startsWith(prefix));

  beforeAll(async () => {
    ensureBuilt(['core', 'redis']);
    redis = await startRedisServer();
    const env = { REDIS_URL: redis.url, CHANNEL_KEY: `ssekit:scale-out:${process.pid}` };
    instances = await startInstances(3, packageRoot, env);
  }, 60_000);
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((c) => c.close()));
  });
  afterAll(async () => {
    await Promise.all(instances.map((instance) => instance.close()));
    await redis?.stop();
  });

  it('delivers broadcasts sent from every instance to every client on all three, exactly once, in one global order', async () => {
    const perInstance = await Promise.all(instances.map(async (i) => [await client(i), await client(i)]));
    const all = perInstance.flat();
    const sent = await Promise.all(
      Array.from({ length: 30 }, (_, n) => send(instances[n % 3] as ChildServer, `g${n}`)),
    );
    expect(sent.every((result) => result.id !== undefined)).toBe(true);
    await Promise.all(all.map((c) => c.waitFor(() => withPrefix(c, 'g').length >= 30)));
    // Nothing more arrives late.
    await new Promise((resolve) => setTimeout(resolve, 100));

    const order = inStreamOrder(sent);
    for (const c of all) {
      const events = c.events.filter((event) => event.data.startsWith('g'));
      expect(events.map((event) => event.data)).toEqual(order.map((result) => result.data));
      expect(events.map((event) => event.lastEventId)).toEqual(order.map((result) => result.id));
    }
  });

  it('gives a client that moves from one instance to another exactly the events it missed', async () => {
    const [a, b, c] = instances as [ChildServer, ChildServer, ChildServer];
    const onA = await client(a);
    await send(c, 'm1');
    await send(c, 'm2');
    await onA.waitFor(() => withPrefix(onA, 'm').length === 2);
    const lastSeen = onA.events.at(-1)?.lastEventId;
    await onA.close();
    await send(c, 'm3');
    await send(a, 'm4');
    const onB = await client(b, lastSeen);
    await onB.waitFor(() => withPrefix(onB, 'm').length === 2);
    await send(b, 'm5');
    await onB.waitFor(() => withPrefix(onB, 'm').length === 3);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(onB.data()).toEqual(['m3', 'm4', 'm5']);
  });

  it('after Redis restarts mid-burst, delivers every event whose send resolved to every client; sends during the outage rejected', async () => {
    const watchers = await Promise.all(instances.map((i) => client(i)));
    const sending = burst(instances[0] as ChildServer, { count: 150, intervalMs: 5, prefix: 'r' });
    await new Promise((resolve) => setTimeout(resolve, 250));
    await redis.stop();
    await new Promise((resolve) => setTimeout(resolve, 300));
    await redis.start();
    // Events were acknowledged both before the outage and after Redis came back.
    const resolved = confirmedAcrossOutage(await sending, 'ERR_SSE_REDIS_UNAVAILABLE');

    for (const watcher of watchers) {
      await expectConfirmedOnce(() => withPrefix(watcher, 'r'), resolved);
      // The client stayed connected through the outage.
      expect(watcher.ended).toBe(false);
    }
  });

  it('lets every instance exit by itself once its channel is closed: no connection or timer left open', async () => {
    await Promise.all(instances.map((instance) => instance.shutdown(5_000)));
  });
});
