// Three server instances in separate processes share one channel through one JetStream stream;
// their clients are `eventsource` clients over real HTTP.
import {
  burst,
  type ChildServer,
  confirmedAcrossOutage,
  ensureBuilt,
  expectConfirmedOnce,
  postJson,
  sendThrough as send,
  startInstances,
  waitFor,
} from '@ssekit/test-kit';
import { EventSource } from 'eventsource';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type NatsServer, natsAvailable, packageRoot, startNatsServer } from './nats-server.js';

const describeNats = natsAvailable() ? describe : describe.skip;

/** An `eventsource` client, what it received, and every connection it made. */
interface Watcher {
  readonly events: { data: string; id: string }[];
  /** Each (re)connection: the instance it went to and the Last-Event-ID it sent. */
  readonly connections: { url: string; lastEventId: string | null }[];
  readonly source: EventSource;
  data(prefix: string): string[];
}

const sequence = (id: string | undefined) => Number(id?.split('-')[1]);

describeNats(
  'three instances sharing a channel through NATS JetStream (separate processes, eventsource clients)',
  () => {
    let nats: NatsServer;
    let instances: ChildServer[] = [];
    const sources: EventSource[] = [];

    /** Opens an `eventsource` client; each (re)connection goes to the instance `target()` names then. */
    async function watch(target: () => ChildServer): Promise<Watcher> {
      const events: Watcher['events'] = [];
      const connections: Watcher['connections'] = [];
      const source = new EventSource(`${target().url}/events`, {
        fetch: (_url, init) => {
          const url = `${target().url}/events`;
          connections.push({ url, lastEventId: new Headers(init?.headers).get('last-event-id') });
          return fetch(url, init);
        },
      });
      sources.push(source);
      source.onmessage = (event) => events.push({ data: event.data, id: event.lastEventId });
      await waitFor(() => source.readyState === EventSource.OPEN, 'the eventsource client to open', 5_000);
      return {
        events,
        connections,
        source,
        data: (prefix) => events.map((e) => e.data).filter((d) => d.startsWith(prefix)),
      };
    }

    beforeAll(async () => {
      ensureBuilt(['core', 'nats']);
      nats = await startNatsServer();
      const env = { NATS_URL: nats.url, STREAM: `scale-out-${process.pid}` };
      instances = await startInstances(3, packageRoot, env);
    }, 60_000);
    afterEach(() => {
      for (const source of sources.splice(0)) source.close();
    });
    afterAll(async () => {
      await Promise.all(instances.map((instance) => instance.close()));
      await nats?.dispose();
    });

    it('delivers broadcasts sent from every instance to every client on all three, exactly once, in one global order', async () => {
      const all = await Promise.all(instances.flatMap((i) => [watch(() => i), watch(() => i)]));
      const sent = await Promise.all(
        Array.from({ length: 30 }, (_, n) => send(instances[n % 3] as ChildServer, `g${n}`)),
      );
      expect(sent.every((result) => result.id !== undefined)).toBe(true);
      for (const w of all)
        await waitFor(() => w.data('g').length >= 30, 'every broadcast on every client', 10_000);
      // Nothing more arrives late.
      await new Promise((resolve) => setTimeout(resolve, 100));

      const order = [...sent].sort((a, b) => sequence(a.id) - sequence(b.id));
      for (const w of all) {
        const events = w.events.filter((event) => event.data.startsWith('g'));
        expect(events.map((event) => event.data)).toEqual(order.map((result) => result.data));
        expect(events.map((event) => event.id)).toEqual(order.map((result) => result.id));
      }
    });

    it('moves an eventsource client dropped by one instance to another, which replays exactly what it missed', async () => {
      const [a, b, c] = instances as [ChildServer, ChildServer, ChildServer];
      let target = a;
      const w = await watch(() => target);
      await send(c, 'm1');
      const { id: lastSeen } = await send(c, 'm2');
      await waitFor(() => w.data('m').length === 2, 'm1 and m2 on A', 5_000);
      // A ends the stream; while the client waits to reconnect (retry: 100), more is sent; it reconnects to B.
      target = b;
      await postJson(a, '/drop');
      await send(c, 'm3');
      await send(a, 'm4');
      await waitFor(() => w.data('m').length >= 4, 'm3 and m4 on B', 10_000);
      await send(b, 'm5');
      await waitFor(() => w.data('m').length >= 5, 'm5 on B', 5_000);
      await new Promise((resolve) => setTimeout(resolve, 100));

      expect(w.data('m')).toEqual(['m1', 'm2', 'm3', 'm4', 'm5']);
      expect(w.connections).toEqual([
        { url: `${a.url}/events`, lastEventId: null },
        { url: `${b.url}/events`, lastEventId: lastSeen },
      ]);
    });

    it('after nats-server is killed and restarted mid-burst, delivers every event whose send resolved, exactly once, in order', async () => {
      const watchers = await Promise.all(instances.map((i) => watch(() => i)));
      const sending = burst(instances[0] as ChildServer, { count: 150, intervalMs: 5, prefix: 'r' });
      await new Promise((resolve) => setTimeout(resolve, 250));
      await nats.stop();
      await new Promise((resolve) => setTimeout(resolve, 300));
      await nats.start();
      // Events were acknowledged both before the outage and after NATS came back.
      const confirmed = confirmedAcrossOutage(await sending, 'ERR_SSE_NATS_UNAVAILABLE');
      for (const w of watchers) {
        await expectConfirmedOnce(() => w.data('r'), confirmed);
        // The client stayed connected through the outage: one connection, never re-made.
        expect(w.connections).toHaveLength(1);
        expect(w.source.readyState).toBe(EventSource.OPEN);
      }
    }, 40_000);

    it('lets every instance exit by itself once its channel is closed: no connection or timer left open', async () => {
      await Promise.all(instances.map((instance) => instance.shutdown(5_000)));
    });
  },
);
