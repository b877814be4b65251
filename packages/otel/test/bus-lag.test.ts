// Bus lag across two instances sharing one Redis stream: sent on one, measured where it is delivered.
import { channelMetrics } from '@ssekit/otel';
import { waitFor } from '@ssekit/test-kit';
import { EventSource } from 'eventsource';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Instance, startInstance } from '../../redis/test/instance.js';
import { type RedisServer, redisAvailable, startRedisServer } from '../../redis/test/redis-server.js';
import { testMeter } from './server.js';

const describeRedis = redisAvailable() ? describe : describe.skip;

describeRedis('ssekit.bus.lag across two instances sharing Redis (real HTTP, EventSource)', () => {
  let redis: RedisServer;
  const instances: Instance[] = [];
  beforeAll(async () => {
    redis = await startRedisServer();
  });
  afterAll(async () => {
    for (const instance of instances) await instance.close();
    await redis?.stop();
  });

  it('records, on the instance that delivers, the time from send on the other one', async () => {
    const key = `ssekit:otel:${process.pid}`;
    const { meter, points, value } = testMeter();
    const sender = await startInstance({ redis: redis.url, key });
    const receiver = await startInstance(
      { redis: redis.url, key },
      { monitor: channelMetrics({ channel: 'shared', meter }) },
    );
    instances.push(sender, receiver);
    const source = new EventSource(`${receiver.url}/events`);
    const received: string[] = [];
    source.onmessage = (event) => received.push(String(event.data));
    try {
      await waitFor(() => receiver.channel.size === 1, 'the client on the receiving instance');
      for (let i = 0; i < 10; i++) await sender.channel.send(String(i));
      await waitFor(() => received.length === 10, 'ten events through Redis', 10_000);
    } finally {
      source.close();
    }
    const [lag] = (await points('ssekit.bus.lag')) as {
      attributes: Record<string, unknown>;
      value: { count: number; min?: number; max?: number; sum: number };
    }[];
    expect(lag?.attributes).toEqual({ 'ssekit.channel': 'shared' });
    expect(lag?.value.count).toBe(10);
    // Through a local Redis: more than nothing (a round trip), far less than a second.
    expect(lag?.value.min).toBeGreaterThanOrEqual(0);
    expect(lag?.value.max).toBeLessThan(1);
    expect(lag?.value.sum).toBeGreaterThan(0);
    expect(await value('ssekit.events.delivered', { 'ssekit.channel': 'shared' })).toBe(10);
  });
});
