import { DEFAULT_GAP_EVENT } from '@ssekit/core';
import { EventSource } from 'eventsource';
import { describe, expect, test } from 'vitest';
import { type SentReport, SHUTDOWN_DRAIN } from './app.js';
import { track } from './cleanup.js';
import type { ConformanceHarness, RunningServer } from './harness.js';
import { readState, uniqueId, until } from './poll.js';
import { openRawEvents, type RawEventClient } from './raw-events.js';
import { openEventStream } from './reader.js';

/** How long after the drain window a graceful close may take: the streams are gone by then. */
const CLOSE_BOUND_MS = 2000;

/** Resolves as `promise` does, or fails naming `what` once `ms` have passed. */
function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not finish within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** Starts a server of its own for one test, and makes sure it is down afterwards. */
async function withServers(
  harness: ConformanceHarness,
  count: number,
  body: (...servers: RunningServer[]) => Promise<void>,
): Promise<void> {
  const servers = await Promise.all(Array.from({ length: count }, () => harness.start()));
  try {
    await body(...servers);
  } finally {
    await Promise.all(servers.map((server) => server.close()));
  }
}

function expectDrained(client: RawEventClient): void {
  expect(client.endedAt).toBeDefined();
  expect(client.events.at(-1)).toMatchObject({
    type: SHUTDOWN_DRAIN.event.event,
    data: SHUTDOWN_DRAIN.event.data,
  });
  expect(client.retries.at(-1)).toBe(SHUTDOWN_DRAIN.retry);
}

/** Asks the app to broadcast `count` events on channel `name` and returns their ids. */
async function broadcast(server: RunningServer, name: string, count: number): Promise<string[]> {
  const reader = await openEventStream(`${server.url}/sse/channel-send?name=${name}&count=${count}`);
  await reader.waitForEnd();
  const sent = reader.events().find((event) => event.type === 'sent');
  if (!sent) throw new Error(`channel-send reported nothing: ${JSON.stringify(reader.entries)}`);
  return (JSON.parse(sent.data) as SentReport).ids;
}

function waitForMembers(server: RunningServer, name: string, streams: number): Promise<true> {
  return until(
    async () => ((await readState(server)).channels[name]?.streams === streams ? true : undefined),
    `channel ${name} to have ${streams} members`,
  );
}

/**
 * Graceful shutdown: every `sse(...)` result drains the streams it opened (channel members or not),
 * after which the server's own graceful close completes, and clients come back elsewhere.
 */
export function shutdownTests(harness: ConformanceHarness): void {
  describe('graceful shutdown', () => {
    test('drains every stream, in a channel or not, with the last event and retry, then the server closes promptly', async () => {
      await withServers(harness, 1, async (server) => {
        const paths = ['/sse/silent', '/sse/heartbeat', `/sse/channel?name=${uniqueId('shutdown')}`];
        const clients = await Promise.all(
          paths.flatMap((path) => Array.from({ length: 4 }, () => openRawEvents(server, path))),
        );
        await within(server.shutdown(), SHUTDOWN_DRAIN.over + CLOSE_BOUND_MS, 'the graceful shutdown');
        // The server is down, so every response has ended: its last bytes may still be in transit.
        await Promise.all(clients.map((client) => client.waitForEnd(1000)));
        for (const client of clients) expectDrained(client);
        const closedAt = clients.map((client) => client.endedAt as number);
        // Spread over the window, not all at once.
        expect(Math.max(...closedAt) - Math.min(...closedAt)).toBeGreaterThanOrEqual(SHUTDOWN_DRAIN.over / 2);
        await expect(fetch(`${server.url}/plain`, { signal: AbortSignal.timeout(2000) })).rejects.toThrow();
      });
    });

    test('closes a stream opened during the drain at once, with the last event and retry', async () => {
      await withServers(harness, 1, async (server) => {
        // Keeps the drain going for its whole window.
        const early = await Promise.all(
          Array.from({ length: 4 }, () => openRawEvents(server, '/sse/silent')),
        );
        const shutdown = server.shutdown();
        await early[0]?.waitFor(() => early[0]?.events.length === 1, 'the last event');
        const late = await openRawEvents(server, '/sse/silent');
        const ended = await late.waitForEnd(1000);
        expectDrained(late);
        expect(late.events).toHaveLength(1);
        await within(shutdown, SHUTDOWN_DRAIN.over + CLOSE_BOUND_MS, 'the graceful shutdown');
        expect(ended).toBeLessThanOrEqual(Date.now());
      });
    });

    test('an eventsource client drained from one server waits the retry hint and resumes on another by Last-Event-ID', async () => {
      await withServers(harness, 2, async (a, b) => {
        const name = uniqueId('move');
        let target = a;
        const reconnects: number[] = [];
        const source = new EventSource(`${a.url}/sse/channel?name=${name}`, {
          // A load balancer in miniature: every (re)connection goes to the current target.
          fetch: (input, init) => {
            reconnects.push(Date.now());
            return fetch(String(input).replace(a.url, target.url), init);
          },
        });
        track(() => source.close());
        const received: Array<{ type: string; data: string; lastEventId: string; at: number }> = [];
        for (const type of ['message', SHUTDOWN_DRAIN.event.event, DEFAULT_GAP_EVENT]) {
          source.addEventListener(type, (event) => {
            received.push({ type, data: event.data, lastEventId: event.lastEventId, at: Date.now() });
          });
        }
        await waitForMembers(a, name, 1);
        const sentOnA = await broadcast(a, name, 3);
        await until(() => (received.length === 3 ? true : undefined), 'three events from A');

        target = b;
        await within(a.shutdown(), SHUTDOWN_DRAIN.over + CLOSE_BOUND_MS, 'the graceful shutdown of A');
        await waitForMembers(b, name, 1);
        // The drain's last event ended the stream on A; the retry hint held the client back.
        const last = received[3];
        expect(last).toMatchObject({ type: SHUTDOWN_DRAIN.event.event, data: SHUTDOWN_DRAIN.event.data });
        expect((reconnects.at(-1) as number) - (last?.at as number)).toBeGreaterThanOrEqual(
          SHUTDOWN_DRAIN.retry - 50,
        );

        const sentOnB = await broadcast(b, name, 1);
        await until(() => (received.length >= 6 ? true : undefined), 'the gap event and a live event from B');
        // B's history never saw A's ids (separate memory histories), so it answers the id the client
        // carried over with the gap event, then goes live; a shared store would replay instead.
        const gap = received[4];
        expect(gap?.type).toBe(DEFAULT_GAP_EVENT);
        expect(JSON.parse(gap?.data ?? '{}')).toMatchObject({ lastEventId: sentOnA.at(-1) });
        expect(received[5]).toMatchObject({ type: 'message', data: '0', lastEventId: sentOnB[0] });
      });
    });
  });
}
