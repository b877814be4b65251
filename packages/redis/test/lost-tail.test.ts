// A stream that lost its newest entries while the instances were cut off from it, as after a
// failover to a replica that had not yet received them (Redis replicates asynchronously): the
// followers carry on after the newest entry left, and deliver nothing twice.
import { waitFor } from '@ssekit/test-kit';
import { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { connect, type SSEClient } from './client.js';
import { type Instance, startInstance } from './instance.js';
import { redisAvailable, startRedisServer } from './redis-server.js';

const describeRedis = redisAvailable() ? describe : describe.skip;

describeRedis('a stream that lost its tail (real Redis, two instances, real HTTP)', () => {
  it('carries on after the newest entry left when the last entries delivered are gone: nothing twice', async () => {
    const redis = await startRedisServer();
    const key = 'ssekit:lost-tail';
    const options = { redis: redis.url, key, commandTimeout: 500, blockTimeout: 1_000, maxRetryDelay: 100 };
    const instances: Instance[] = [];
    const clients: SSEClient[] = [];
    const admin = new Redis(redis.url);
    try {
      instances.push(await startInstance(options), await startInstance(options));
      const [one, two] = instances as [Instance, Instance];
      clients.push(await connect(`${one.url}/events`), await connect(`${two.url}/events`));
      const ids: string[] = [];
      for (const data of ['t1', 't2', 't3', 't4', 't5']) ids.push((await one.channel.send(data)) as string);
      await Promise.all(clients.map((client) => client.waitFor(() => client.data().length === 5)));
      // At once: the two newest entries go, and the instances' connections (named after the key) are cut.
      const list = String(await admin.call('CLIENT', 'LIST'));
      const connections = [...list.matchAll(/^id=(\d+) .*name=ssekit:ssekit:lost-tail\S* /gm)].map(
        (m) => m[1] as string,
      );
      expect(connections.length).toBe(4);
      const results = await admin
        .multi([
          ['xdel', key, ids[3] as string, ids[4] as string],
          ...connections.map((id) => ['client', 'KILL', 'ID', id]),
        ])
        .exec();
      expect(results?.every(([error]) => error === null)).toBe(true);
      await waitFor(
        () =>
          two.channel.send('t6').then(
            () => true,
            () => false,
          ),
        'a send once the instance has reconnected',
        10_000,
      );
      await Promise.all(clients.map((client) => client.waitFor(() => client.data().includes('t6'), 10_000)));
      await new Promise((resolve) => setTimeout(resolve, 300));
      for (const client of clients) expect(client.data()).toEqual(['t1', 't2', 't3', 't4', 't5', 't6']);
    } finally {
      admin.disconnect();
      await Promise.all(clients.map((client) => client.close()));
      await Promise.all(instances.map((instance) => instance.close()));
      await redis.stop();
    }
  }, 30_000);
});
