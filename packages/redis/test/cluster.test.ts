// A channel on a real Redis Cluster (3 masters, each with a replica, started by the test): many
// channels spread over the masters, three instances in separate processes deliver every broadcast
// exactly once in one order, a master killed mid-burst is replaced by its replica without losing or
// repeating a confirmed event, and a client resumes by Last-Event-ID on another instance.
import { createChannel, SSEFieldError } from '@ssekit/core';
import { type RedisClusterConfig, redisChannel } from '@ssekit/redis';
import {
  burst,
  type ChildServer,
  confirmedAcrossOutage,
  ensureBuilt,
  expectConfirmedOnce,
  sendThrough as send,
  startInstances,
  waitFor,
} from '@ssekit/test-kit';
import { EventSource } from 'eventsource';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RedisCluster, startRedisCluster } from './redis-cluster.js';
import { packageRoot, redisAvailable } from './redis-server.js';
import { inStreamOrder } from './stream-order.js';

const describeRedis = redisAvailable() ? describe : describe.skip;

interface Received {
  type: string;
  data: string;
  lastEventId: string;
  /** How many connections it had opened when the event arrived (1 for the first). */
  connection: number;
}

/** An `eventsource` client; `route` picks the instance each (re)connection goes to, as a load balancer would. */
interface Listener {
  readonly received: Received[];
  /** The URL of every connection it opened, and the Last-Event-ID it sent. */
  readonly connections: { url: string; lastEventId: string | null }[];
  /** How many of its connections were answered with an event stream. */
  readonly opened: number;
  data(prefix: string): string[];
  close(): void;
}

function listen(route: () => string): Listener {
  const received: Received[] = [];
  const connections: Listener['connections'] = [];
  const source = new EventSource('http://load-balancer.invalid/events', {
    fetch: (_url, init) => {
      const url = `${route()}/events`;
      const headers = new Headers(init?.headers);
      connections.push({ url, lastEventId: headers.get('last-event-id') });
      return fetch(url, init);
    },
  });
  let opened = 0;
  source.addEventListener('open', () => opened++);
  const record = (event: MessageEvent) =>
    received.push({
      type: event.type,
      data: event.data,
      lastEventId: event.lastEventId,
      connection: connections.length,
    });
  source.addEventListener('message', record);
  source.addEventListener('ssekit-gap', record);
  return {
    received,
    connections,
    get opened() {
      return opened;
    },
    data: (prefix) => received.filter((event) => event.data.startsWith(prefix)).map((event) => event.data),
    close: () => source.close(),
  };
}

describe('the redis.cluster option', () => {
  it('refuses a Cluster without nodes with a typed error, before connecting anywhere', () => {
    for (const cluster of [[], undefined, '127.0.0.1:7000', { host: '127.0.0.1' }]) {
      const attempt = () =>
        redisChannel({ redis: { cluster } as unknown as RedisClusterConfig, key: 'ssekit:{chat}' });
      expect(attempt).toThrow(SSEFieldError);
      expect(attempt).toThrow(
        expect.objectContaining({ code: 'ERR_SSE_INVALID_OPTION', field: 'redis.cluster', value: cluster }),
      );
    }
  });
});

describeRedis(
  'a channel on a Redis Cluster (3 masters + 3 replicas; instances in separate processes, real HTTP)',
  () => {
    let cluster: RedisCluster;
    let instances: ChildServer[] = [];
    const listeners: Listener[] = [];
    const key = `ssekit:cluster:${process.pid}`;

    const open = (instance: ChildServer) => {
      const listener = listen(() => instance.url);
      listeners.push(listener);
      return listener;
    };
    /** Resolves once every listener's stream is open: from then on it is in the channel. */
    const connected = (all: Listener[]) =>
      waitFor(() => all.every((l) => l.opened > 0), 'every client connected', 10_000);

    beforeAll(async () => {
      ensureBuilt(['core', 'redis']);
      cluster = await startRedisCluster();
      const env = { REDIS_CLUSTER: cluster.nodes.join(','), CHANNEL_KEY: key, COMMAND_TIMEOUT_MS: '500' };
      instances = await startInstances(3, packageRoot, env);
    }, 60_000);
    afterAll(async () => {
      for (const listener of listeners.splice(0)) listener.close();
      await Promise.all(instances.map((instance) => instance.close()));
      await cluster?.stop();
    });

    it('spreads channels over the masters; each keeps its stream on the master of its slot, a hash tag picking the slot', async () => {
      const keys = Array.from({ length: 9 }, (_, n) => `ssekit:room-${n}`);
      const tagged = ['ssekit:{room-0}:chat', 'ssekit:{room-0}:presence'];
      const shared = [...keys, ...tagged].map((k) =>
        redisChannel({ redis: { cluster: cluster.nodes }, key: k }),
      );
      try {
        await Promise.all(shared.map((s) => s.ready()));
        const channels = shared.map((history) => createChannel({ history }));
        const ids = await Promise.all(channels.map((channel, n) => channel.send(`hello ${n}`)));
        const masters = await Promise.all([...keys, ...tagged].map((k) => cluster.masterOf(k)));
        // Nine channels land on all three masters.
        expect(new Set(masters.slice(0, keys.length).map((m) => m.port)).size).toBe(3);
        // The part in braces is all that is hashed: both tagged keys share the slot of "room-0".
        const slot = (k: string) => cluster.cli(cluster.ports[0] as number, 'cluster', 'keyslot', k);
        expect(await slot(tagged[0] as string)).toBe(await slot('room-0'));
        expect(await slot(tagged[1] as string)).toBe(await slot('room-0'));
        // Each stream is on its master (asked directly, without redirection), with the event sent.
        for (const [n, k] of [...keys, ...tagged].entries()) {
          const master = masters[n] as { port: number };
          expect(await cluster.cli(master.port, 'xrange', k, '-', '+')).toContain(`hello ${n}`);
          const replay = await shared[n]?.after('0-0');
          expect(replay).toMatchObject({ kind: 'replay', messages: [{ id: ids[n], data: `hello ${n}` }] });
        }
      } finally {
        await Promise.all(shared.map((s) => s.close()));
      }
    }, 60_000);

    it("each instance's blocking read waits on the master that serves the channel's key", async () => {
      const master = await cluster.masterOf(key);
      const clients = await cluster.cli(master.port, 'client', 'list');
      const followers = clients.split('\n').filter((line) => line.includes(`name=ssekit:${key}:follower`));
      expect(followers.filter((line) => line.includes('cmd=xread')).length).toBe(3);
    });

    it('delivers broadcasts sent from every instance to every client on all three, exactly once, in one global order', async () => {
      const all = instances.flatMap((instance) => [open(instance), open(instance)]);
      await connected(all);
      await send(instances[0] as ChildServer, 'warm-up');
      await waitFor(
        () => all.every((l) => l.data('warm-up').length === 1),
        'the warm-up event everywhere',
        10_000,
      );
      const sent = await Promise.all(
        Array.from({ length: 30 }, (_, n) => send(instances[n % 3] as ChildServer, `g${n}`)),
      );
      expect(sent.every((result) => result.id !== undefined)).toBe(true);
      await waitFor(() => all.every((l) => l.data('g').length >= 30), 'every event on every client', 10_000);

      const order = inStreamOrder(sent);
      for (const listener of all) {
        const events = listener.received.filter((event) => event.data.startsWith('g'));
        expect(events.map((event) => event.data)).toEqual(order.map((result) => result.data));
        expect(events.map((event) => event.lastEventId)).toEqual(order.map((result) => result.id));
      }
      for (const listener of all) listener.close();
    });

    it("after the channel's master is killed mid-burst and its replica promoted, every confirmed event reaches every client exactly once, in order", async () => {
      const all = instances.map((instance) => open(instance));
      await connected(all);
      await send(instances[1] as ChildServer, 'ready');
      await waitFor(() => all.every((l) => l.data('ready').length === 1), 'every client live', 10_000);
      const master = await cluster.masterOf(key);
      const sending = burst(instances[0] as ChildServer, { count: 250, intervalMs: 20, prefix: 'f' });
      // Some events are confirmed before the kill.
      await waitFor(
        () => all.every((l) => l.data('f').length >= 20),
        'events confirmed before the kill',
        10_000,
      );
      await cluster.kill(master.port);
      await cluster.waitUntilHealthy(20_000);
      const promoted = await cluster.masterOf(key);
      expect(promoted.port).not.toBe(master.port);
      // Sends during the failover were refused, and no other way; confirmed both before the kill
      // and after the promotion.
      const confirmed = confirmedAcrossOutage(await sending, 'ERR_SSE_REDIS_UNAVAILABLE');

      for (const listener of all) {
        await expectConfirmedOnce(() => listener.data('f'), confirmed);
        expect(listener.received.filter((event) => event.type === 'ssekit-gap')).toEqual([]);
        // The client stayed on its stream through the failover.
        expect(listener.connections.length).toBe(1);
      }
      for (const listener of all) listener.close();
    }, 60_000);

    it('resumes a client by Last-Event-ID on another instance when its instance goes away', async () => {
      const [a, b, c] = instances as [ChildServer, ChildServer, ChildServer];
      let target = a;
      const listener = listen(() => target.url);
      listeners.push(listener);
      await connected([listener]);
      // C has sent nothing since the failover: its first sends go to the promoted master.
      expect((await send(c, 'm1')).id).toBeDefined();
      expect((await send(c, 'm2')).id).toBeDefined();
      await waitFor(() => listener.data('m').length === 2, 'm1, m2 on instance A', 10_000);
      // The load balancer sends the next connection to B; A shuts down, which ends the stream.
      target = b;
      const closing = a.shutdown(5_000);
      await send(c, 'm3');
      await send(c, 'm4');
      await closing;
      await waitFor(() => listener.connections.length === 2, 'a reconnection', 10_000);
      await send(b, 'm5');
      await waitFor(() => listener.data('m').length === 5, 'all five events', 10_000);
      expect(listener.data('m')).toEqual(['m1', 'm2', 'm3', 'm4', 'm5']);
      expect(listener.connections.map((connection) => connection.url)).toEqual([
        `${a.url}/events`,
        `${b.url}/events`,
      ]);
      // It resumed from the last event its first connection got (m2, or m3 if A sent it before closing).
      const lastOnA = listener.received.filter((event) => event.connection === 1).at(-1);
      expect(['m2', 'm3']).toContain(lastOnA?.data);
      expect(listener.connections[1]?.lastEventId).toBe(lastOnA?.lastEventId);
      listener.close();
    }, 30_000);

    it('lets every instance exit by itself once its channel is closed: no connection or timer left open', async () => {
      await Promise.all(instances.map((instance) => instance.shutdown(5_000)));
    });
  },
);
