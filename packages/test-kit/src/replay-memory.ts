// One test body, run with each engine (@ssekit/redis, @ssekit/nats): clients resuming from far back
// that never read, against an instance in its own process; what it holds for them stays bounded.
import { createConnection, type Socket } from 'node:net';
import type { ChannelStats } from '@ssekit/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt } from './built.js';
import type { ChildServer } from './child-server.js';
import type { EngineHarness } from './engine.js';
import { connect } from './event-client.js';
import { getJson, postJson, startInstance } from './instances.js';
import { sleep } from './wait.js';

const EVENTS = 10_000;
const RESUMERS = 16;
const PAYLOAD = 'x'.repeat(1024);
const MIB = 1024 * 1024;

type Memory = { heapUsed: number; arrayBuffers: number };

/** Registers the replay-memory test for `engine`. */
export function describeReplayMemory(engine: EngineHarness): void {
  describe.skipIf(!engine.available)(
    `resumers that never read (separate process, ${engine.name}, real HTTP)`,
    () => {
      let instance: ChildServer;
      const sockets: Socket[] = [];

      const stats = () => getJson<ChannelStats>(instance, '/stats');
      const live = async () => {
        const { heapUsed, arrayBuffers } = await getJson<Memory>(instance, '/memory');
        return heapUsed + arrayBuffers;
      };

      /**
       * What the instance retains once it is settled (before the resumers: the fill delivered; after:
       * every replay stuck). While a replay still moves, pages are in flight (read from the engine,
       * encoded, not yet written), so a sample then is a transient peak of up to 20 MiB here, not
       * what a stuck resumer costs. Settled: no replayed event for two seconds, then two samples (each
       * after a forced GC) within 1 MiB of each other; the smaller counts.
       */
      const settledLive = async (): Promise<number> => {
        let replayed = -1;
        for (let quiet = 0; quiet < 8; ) {
          await sleep(250);
          const now = (await stats()).eventsReplayed;
          quiet = now === replayed ? quiet + 1 : 0;
          replayed = now;
        }
        let previous = await live();
        for (let round = 0; round < 20; round++) {
          await sleep(250);
          const sample = await live();
          if (Math.abs(sample - previous) < MIB) return Math.min(sample, previous);
          previous = sample;
        }
        return previous;
      };

      beforeAll(async () => {
        ensureBuilt(['core', engine.pkg]);
        const env = await engine.start(EVENTS * 2);
        instance = await startInstance(
          engine.packageRoot,
          {
            ...env,
            HEARTBEAT_MS: '60000',
            // Sixteen replays and the follower share two busy cores here: no read may time out.
            COMMAND_TIMEOUT_MS: '10000',
          },
          ['--expose-gc'],
        );
      }, 120_000);
      afterAll(async () => {
        for (const socket of sockets) socket.destroy();
        await instance?.close();
        await engine.stop();
      });

      it('holds a bounded amount for each, drops them as slow once live events pass their bound, and lets one resume later', async () => {
        const { id: probeId } = await postJson<{ id: string }>(instance, '/send', { data: 'probe' });
        const ids = await engine.fill(EVENTS, 'h', PAYLOAD, probeId);
        // The follower has delivered them all (to no one) before the resumers come.
        await expect.poll(async () => (await stats()).eventsSent, { timeout: 20_000 }).toBe(EVENTS + 1);
        const from = ids[0] as string;
        const baseline = await settledLive();

        for (let i = 0; i < RESUMERS; i++) {
          const socket = createConnection(Number(new URL(instance.url).port), '127.0.0.1');
          socket.write(`GET /events HTTP/1.1\r\nHost: 127.0.0.1\r\nLast-Event-ID: ${from}\r\n\r\n`);
          socket.pause(); // never reads: the kernel buffers fill, then the server's
          sockets.push(socket);
        }
        // Let every replay start, then run until its client's buffers are full.
        await expect.poll(async () => (await stats()).replaysServed, { timeout: 20_000 }).toBe(RESUMERS);
        const held = (await settledLive()) - baseline;
        // Each is held to about its 1 MiB bound; reading each whole range would hold ~10 MiB each.
        expect(held / MIB, `MiB held for ${RESUMERS} stuck resumers`).toBeLessThan(RESUMERS * 1.25);
        expect((await stats()).streams).toBe(RESUMERS);

        // Live events queue behind each replay; past the bound, the resumer is dropped as slow.
        const liveIds = await engine.fill(1100, 'l', PAYLOAD, probeId);
        await expect.poll(async () => (await stats()).droppedSlow, { timeout: 10_000 }).toBe(RESUMERS);

        // A dropped client resumes later and gets everything, in order.
        const resumed = await connect(`${instance.url}/events`, { 'last-event-id': from });
        const expected = [...ids.slice(1), ...liveIds];
        const received: string[] = [];
        while (received.length < expected.length) {
          const event = await resumed.next();
          if (event === undefined) break;
          received.push(event.lastEventId);
        }
        resumed.leave();
        expect(received).toEqual(expected);
      }, 90_000);
    },
  );
}
