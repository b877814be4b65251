import type { ParsedEvent } from '@ssekit/core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { type ChannelState, DRAIN_EVENT, DRAIN_RETRY_MS, type SentReport } from './app.js';
import type { ConformanceHarness, RunningServer } from './harness.js';
import { readState, type ServerGetter, uniqueId, until } from './poll.js';
import { openRawEvents, type RawEventClient } from './raw-events.js';
import { openEventStream } from './reader.js';

/** Asks the app to broadcast (`/sse/channel-send`, `/sse/channel-flood`) and returns its report. */
async function broadcast(server: RunningServer, path: string, timeoutMs = 5000): Promise<SentReport> {
  const reader = await openEventStream(`${server.url}${path}`);
  await reader.waitForEnd(timeoutMs);
  const sent = reader.events().find((event) => event.type === 'sent');
  if (!sent) throw new Error(`${path} reported nothing; read: ${JSON.stringify(reader.entries)}`);
  return JSON.parse(sent.data) as SentReport;
}

async function channelState(server: RunningServer, name: string): Promise<ChannelState | undefined> {
  return (await readState(server)).channels[name];
}

/** Waits until channel `name` has exactly `streams` members. */
function waitForSize(server: RunningServer, name: string, streams: number, timeoutMs = 5000) {
  return until(
    async () => ((await channelState(server, name))?.streams === streams ? true : undefined),
    `channel ${name} to have ${streams} members`,
    timeoutMs,
  );
}

const ids = (events: readonly ParsedEvent[]) => events.map((event) => event.lastEventId);

/** The ids from `firstId` to `lastId` of one history (`<epoch>-<sequence>`), in order. */
function idRange(firstId: string, lastId: string): string[] {
  const split = (id: string) => [id.slice(0, id.lastIndexOf('-')), Number(id.slice(id.lastIndexOf('-') + 1))];
  const [epoch, first] = split(firstId) as [string, number];
  const last = split(lastId)[1] as number;
  return Array.from({ length: last - first + 1 }, (_, i) => `${epoch}-${first + i}`);
}

/** Where two id lists first differ, for a readable failure on lists thousands long; null if equal. */
function firstDifference(actual: readonly string[], expected: readonly string[]) {
  const length = Math.max(actual.length, expected.length);
  for (let i = 0; i < length; i++) {
    if (actual[i] !== expected[i]) {
      return { index: i, actual: actual.slice(i, i + 3), expected: expected.slice(i, i + 3), length };
    }
  }
  return null;
}

/** Opens `count` clients on `path`, a bounded number at a time so the listen backlog never overflows. */
async function openCrowd(server: RunningServer, path: string, count: number): Promise<RawEventClient[]> {
  const clients: RawEventClient[] = [];
  try {
    for (let start = 0; start < count; start += 100) {
      const batch = Array.from({ length: Math.min(100, count - start) }, () =>
        openRawEvents(server, path, { track: false }),
      );
      clients.push(...(await Promise.all(batch)));
    }
  } catch (error) {
    for (const client of clients) void client.close();
    throw error;
  }
  return clients;
}

/** Clients held on one channel at once by the fan-out tests (about 0.5 s to open on every harness). */
const CROWD_SIZE = 1000;

/** A channel broadcasts to many streams at once, with replay, slow-member drops, filters and drain. */
export function channelTests(server: ServerGetter, harness: ConformanceHarness): void {
  // Members whose client left are noticed by the server only at a write on some runtimes.
  const leaves = test.skipIf(harness.noticesSilentDisconnect === false);
  describe('channels', () => {
    describe(`${CROWD_SIZE} clients on one channel`, () => {
      const name = uniqueId('crowd');
      let crowd: RawEventClient[] = [];
      beforeAll(async () => {
        crowd = await openCrowd(server(), `/sse/channel?name=${name}`, CROWD_SIZE);
        await waitForSize(server(), name, CROWD_SIZE);
      });
      afterAll(async () => {
        await Promise.all(crowd.map((client) => client.close()));
      });

      test('each receives every broadcast of a burst exactly once, in order', async () => {
        const report = await broadcast(server(), `/sse/channel-send?name=${name}&count=20`);
        expect(report.count).toBe(20);
        await Promise.all(
          crowd.map((client) => client.waitFor(() => client.events.length >= 20, 'the whole burst', 10_000)),
        );
        // Let anything duplicated or late arrive before the exact comparison.
        await new Promise((resolve) => setTimeout(resolve, 50));
        const wrong = crowd.filter((client) => firstDifference(ids(client.events), report.ids) !== null);
        expect(wrong.map((client) => firstDifference(ids(client.events), report.ids)).slice(0, 3)).toEqual(
          [],
        );
        expect(crowd[0]?.events.map((event) => event.data)).toEqual(
          Array.from({ length: 20 }, (_, n) => `${n}`),
        );
      });

      test('serializes a broadcast of object data once for every recipient', async () => {
        const before = (await channelState(server(), name))?.serializerCalls ?? 0;
        const report = await broadcast(server(), `/sse/channel-send?name=${name}&count=1&data=object`);
        const id = report.ids[0];
        await Promise.all(
          crowd.map((client) =>
            client.waitFor(() => client.events.at(-1)?.lastEventId === id, 'the object broadcast', 10_000),
          ),
        );
        const late = crowd.filter((client) => client.events.at(-1)?.data !== '{"n":0}');
        expect(late).toHaveLength(0);
        expect((await channelState(server(), name))?.serializerCalls).toBe(before + 1);
      });
    });

    test('a client that reconnects with its Last-Event-ID gets exactly what it missed while broadcasts go on', async () => {
      const name = uniqueId('resume');
      const path = `/sse/channel?name=${name}`;
      const witness = await openRawEvents(server(), path);
      const client = await openRawEvents(server(), path);
      await waitForSize(server(), name, 2);
      // A sender that keeps broadcasting while the client leaves, misses events and replays them.
      const sending = broadcast(server(), `/sse/channel-send?name=${name}&count=120&interval=5`, 10_000);
      await client.waitFor(() => client.events.length >= 10, 'some live events');
      await client.close();
      const before = [...client.events];
      await witness.waitFor(() => witness.events.length >= before.length + 20, 'events the client misses');
      const broadcastBeforeReconnect = witness.events.length;
      const lastEventId = before.at(-1)?.lastEventId as string;
      const resumed = await openRawEvents(server(), path, { headers: { 'Last-Event-ID': lastEventId } });
      const report = await sending;
      // The sender was still going when the client came back, so replay and live events met.
      expect(broadcastBeforeReconnect).toBeLessThan(report.count);
      await resumed.waitFor(() => resumed.events.at(-1)?.lastEventId === report.lastId, 'the last broadcast');
      await witness.waitFor(() => witness.events.at(-1)?.lastEventId === report.lastId, 'the last broadcast');
      expect(firstDifference(ids([...before, ...resumed.events]), report.ids)).toBeNull();
      expect(firstDifference(ids(witness.events), report.ids)).toBeNull();
    });

    test('a client whose Last-Event-ID is older than the history gets the gap event and the newest id', async () => {
      const name = uniqueId('gap');
      const { ids: sent } = await broadcast(server(), `/sse/channel-send?name=${name}&count=20&history=5`);
      const client = await openRawEvents(server(), `/sse/channel?name=${name}`, {
        headers: { 'Last-Event-ID': sent[2] as string },
      });
      await waitForSize(server(), name, 1);
      const next = await broadcast(server(), `/sse/channel-send?name=${name}&count=1`);
      await client.waitFor(() => client.events.length >= 2, 'the gap event and the next broadcast');
      expect(client.events).toEqual([
        {
          type: 'ssekit-gap',
          data: JSON.stringify({ lastEventId: sent[2], reason: 'expired' }),
          lastEventId: sent[19],
        },
        { type: 'message', data: '0', lastEventId: next.ids[0] },
      ]);
    });

    test('a client whose Last-Event-ID is from before a restart gets the gap event with reason epoch', async () => {
      const name = uniqueId('epoch');
      const { ids: sent } = await broadcast(server(), `/sse/channel-send?name=${name}&count=3`);
      // Same shape as the ids this server issues, from a history that no longer exists.
      const beforeRestart = 'l0restart00-2';
      const client = await openRawEvents(server(), `/sse/channel?name=${name}`, {
        headers: { 'Last-Event-ID': beforeRestart },
      });
      await client.waitFor(() => client.events.length >= 1, 'the gap event');
      expect(client.events).toEqual([
        {
          type: 'ssekit-gap',
          data: JSON.stringify({ lastEventId: beforeRestart, reason: 'epoch' }),
          lastEventId: sent[2],
        },
      ]);
    });

    test('drops a member that stops reading at its buffer bound while the others keep receiving, and it loses nothing on reconnect', async () => {
      const name = uniqueId('slow-member');
      // The history holds every broadcast of the flood, so nothing the dropped client missed is trimmed.
      const path = `/sse/channel-slow?name=${name}&history=40000`;
      const fast = await openRawEvents(server(), path);
      const slow = await openRawEvents(server(), path);
      await waitForSize(server(), name, 2);
      const start = await broadcast(server(), `/sse/channel-send?name=${name}&count=3`);
      // The slow client has an id to resume from before it stops reading.
      await slow.waitFor(() => slow.events.length >= 3, 'the first events');
      slow.socket.pause();

      const flood = await broadcast(server(), `/sse/channel-flood?name=${name}&after=20`, 15_000);
      expect(flood.dropped).toBe(1);
      expect(await channelState(server(), name)).toMatchObject({ streams: 1, droppedSlow: 1 });
      const expected = [...start.ids, ...idRange(flood.firstId as string, flood.lastId as string)];
      await fast.waitFor(() => fast.events.at(-1)?.lastEventId === flood.lastId, 'the whole flood', 10_000);
      expect(firstDifference(ids(fast.events), expected)).toBeNull();

      // Read what reached the dropped client before the server let it go.
      slow.socket.resume();
      await slow.waitForEnd(10_000);
      const received = ids(slow.events);
      expect(received.length).toBeLessThan(expected.length);
      expect(firstDifference(received, expected.slice(0, received.length))).toBeNull();
      const resumed = await openRawEvents(server(), path, {
        headers: { 'Last-Event-ID': received.at(-1) as string },
      });
      await resumed.waitFor(
        () => resumed.events.at(-1)?.lastEventId === flood.lastId,
        'the events it missed',
        10_000,
      );
      expect(firstDifference([...received, ...ids(resumed.events)], expected)).toBeNull();
    });

    test('a filtered member receives only the events of its type', async () => {
      const name = uniqueId('filter');
      const filtered = await openRawEvents(server(), `/sse/channel?name=${name}&only=b`);
      const everything = await openRawEvents(server(), `/sse/channel?name=${name}`);
      await waitForSize(server(), name, 2);
      const { ids: sent } = await broadcast(server(), `/sse/channel-send?name=${name}&count=6&events=a,b`);
      await everything.waitFor(() => everything.events.length >= 6, 'every broadcast');
      await filtered.waitFor(() => filtered.events.at(-1)?.lastEventId === sent[5], 'the last b');
      expect(everything.events.map((event) => event.type)).toEqual(['a', 'b', 'a', 'b', 'a', 'b']);
      expect(filtered.events).toEqual(
        [1, 3, 5].map((n) => ({ type: 'b', data: `${n}`, lastEventId: sent[n] })),
      );
    });

    leaves(
      'the channel size follows joins and leaves; a client that closes leaves within a second',
      async () => {
        const name = uniqueId('size');
        const clients = await Promise.all(
          [1, 2, 3].map(() => openRawEvents(server(), `/sse/channel?name=${name}`)),
        );
        await waitForSize(server(), name, 3);
        await clients[0]?.close();
        await waitForSize(server(), name, 2, 1000);
        await Promise.all(clients.map((client) => client.close()));
        await waitForSize(server(), name, 0, 1000);
      },
    );

    leaves(
      "a stream in two channels receives both channels' events and leaves both when it closes",
      async () => {
        const [first, second] = [uniqueId('pair-a'), uniqueId('pair-b')];
        const client = await openRawEvents(server(), `/sse/channel?name=${first}&name=${second}`);
        await waitForSize(server(), first, 1);
        await waitForSize(server(), second, 1);
        const a = await broadcast(server(), `/sse/channel-send?name=${first}&count=2`);
        const b = await broadcast(server(), `/sse/channel-send?name=${second}&count=2`);
        await client.waitFor(() => client.events.length >= 4, "both channels' events");
        expect(ids(client.events)).toEqual([...a.ids, ...b.ids]);
        await client.close();
        await waitForSize(server(), first, 0, 1000);
        await waitForSize(server(), second, 0, 1000);
      },
    );

    test('drain sends the last event and retry to every member and spreads their closes over the window', async () => {
      const name = uniqueId('drain');
      const clients = await Promise.all(
        Array.from({ length: 20 }, () => openRawEvents(server(), `/sse/channel?name=${name}`)),
      );
      await waitForSize(server(), name, 20);
      const began = Date.now();
      const drain = await openEventStream(`${server().url}/sse/channel-drain?name=${name}&over=1000`);
      const closedAt = await Promise.all(clients.map((client) => client.waitForEnd(4000)));
      await drain.waitForEnd();
      expect(drain.events().map((event) => event.type)).toEqual(['drained']);
      for (const client of clients) {
        expect(client.events.at(-1)).toMatchObject({ type: DRAIN_EVENT.event, data: DRAIN_EVENT.data });
        expect(client.retries).toEqual([DRAIN_RETRY_MS]);
      }
      const first = Math.min(...closedAt);
      const last = Math.max(...closedAt);
      expect(first).toBeGreaterThanOrEqual(began);
      expect(last - first).toBeGreaterThanOrEqual(500);
      expect(last - began).toBeLessThan(3000);
      expect((await channelState(server(), name))?.streams).toBe(0);
    });
  });
}
