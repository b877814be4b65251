import { createConnection } from 'node:net';
import { compareStreamIds } from '@ssekit/redis';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
// The Redis package's own test helpers: a redis-server on a free port, and a fetch-based SSE client.
import { connect, type SSEClient } from '../../redis/test/client.js';
import { type RedisServer, redisServerBinary, startRedisServer } from '../../redis/test/redis-server.js';
import type { SentEvent } from '../src/hub.js';
import { type Demo, type InstanceInfo, REDIS_KEY, startDemo } from '../src/server.js';
import {
  broadcast,
  CHROMIUM,
  haveChromium,
  launchChromium,
  openDemoPage,
  requireChromium,
  requireInstalled,
} from './helpers.js';

const RETRY_MS = 300;
/** Both instances tick this often, so the shared stream interleaves events from both. */
const TICK_MS = 100;

// In CI a missing redis-server or browser is a broken setup and must fail; elsewhere it is a skip, said out loud.
const inCI = process.env.CI === 'true';
const haveRedis = redisServerBinary !== undefined;
if (!haveRedis && !inCI) {
  console.warn(
    '[demo] Redis scale-out tests skipped: redis-server is not installed. Install the Debian package `redis-server` (apt-get install redis-server) to run them.',
  );
}
if (haveRedis && !haveChromium && !inCI) {
  console.warn(
    `[demo] The two-page Redis test is skipped: no Chromium at ${CHROMIUM}. Install the Debian package \`chromium\` to run it.`,
  );
}

describe.runIf(haveRedis || inCI)('two demo instances started with the same Redis URL', () => {
  let redis: RedisServer;
  let a: Demo;
  let b: Demo;
  const clients: SSEClient[] = [];
  const logs: string[] = [];

  beforeAll(async () => {
    requireInstalled(haveRedis, 'redis-server is not installed: install the Debian package `redis-server`.');
    redis = await startRedisServer();
    const options = { port: 0, redis: redis.url, retry: RETRY_MS, tickInterval: TICK_MS };
    [a, b] = await Promise.all([
      startDemo({ ...options, log: (line) => logs.push(`A ${line}`) }),
      startDemo({ ...options, log: (line) => logs.push(`B ${line}`) }),
    ]);
  });

  afterAll(async () => {
    await Promise.all(clients.map((client) => client.close()));
    await Promise.all([a?.close({ retry: RETRY_MS }), b?.close({ retry: RETRY_MS })]);
    await redis?.stop();
  });

  async function open(url: string, lastEventId?: string): Promise<SSEClient> {
    const client = await connect(url, lastEventId);
    clients.push(client);
    return client;
  }

  /** Everything either instance sent, in the stream's order: the one order every client sees. */
  const sentByBoth = (): SentEvent[] =>
    [...a.hub.sent, ...b.hub.sent].sort((x, y) => compareStreamIds(x.id, y.id));

  it('tells each page which instance served it, and that the channel is the shared Redis stream', async () => {
    for (const demo of [a, b]) {
      const response = await fetch(`${demo.url}instance.json`);
      expect(response.status).toBe(200);
      const info = (await response.json()) as InstanceInfo;
      expect(info).toEqual({ instance: `127.0.0.1:${demo.port}`, redisKey: REDIS_KEY });
    }
    expect(a.port).not.toBe(b.port);
  });

  it('delivers a broadcast POSTed to instance A to a client of instance B, with the id A answered', async () => {
    const client = await open(`${b.url}koa/events`);
    const id = await broadcast(a, 'express', 'posted on A,\nread on B');

    await client.waitFor((events) => events.some((event) => event.lastEventId === id));
    expect(client.events.find((event) => event.lastEventId === id)).toEqual({
      type: 'message',
      data: 'posted on A,\nread on B',
      lastEventId: id,
    });
    // Ticks from both instances reach the client too, each naming its instance.
    const tickers = () =>
      new Set(client.data('tick').map((data) => (JSON.parse(data) as { instance: string }).instance));
    await client.waitFor(() => tickers().size === 2);
    expect(tickers()).toEqual(new Set([a.info.instance, b.info.instance]));
  });

  it('replays to a client that moves from A to B with A’s Last-Event-ID exactly the events it missed', async () => {
    const first = await open(`${a.url}hono/events`);
    const beforeId = await broadcast(a, 'hono', 'before the move');
    await first.waitFor((events) => events.some((event) => event.lastEventId === beforeId));
    await first.close();
    const lastSeen = first.events.at(-1)?.lastEventId as string;

    // Sent while no stream is open for this client, on both instances, with ticks in between.
    const missedOnA = await broadcast(a, 'koa', 'missed, sent on A');
    const missedOnB = await broadcast(b, 'express', 'missed, sent on B');
    await new Promise((resolve) => setTimeout(resolve, 3 * TICK_MS));

    const second = await open(`${b.url}express/events`, lastSeen);
    const afterId = await broadcast(a, 'express', 'after the move');
    await second.waitFor((events) => events.some((event) => event.lastEventId === afterId));

    expect(b.hub.connections.at(-1)).toMatchObject({ framework: 'express', lastEventIdHeader: lastSeen });
    const received = second.events
      .filter((event) => compareStreamIds(event.lastEventId, afterId) <= 0)
      .map(({ lastEventId, type, data }) => ({ id: lastEventId, event: type, data }));
    // A send is recorded once Redis answered its instance; a tick the client already has may be a
    // moment behind in `hub.sent`.
    const sentIds = () => new Set(sentByBoth().map((event) => event.id));
    await expect.poll(() => received.every((event) => sentIds().has(event.id))).toBe(true);
    const missed = sentByBoth().filter(
      (event) => compareStreamIds(event.id, lastSeen) > 0 && compareStreamIds(event.id, afterId) <= 0,
    );
    expect(received).toEqual(missed);
    expect(received.map((event) => event.id)).toEqual(expect.arrayContaining([missedOnA, missedOnB]));
    expect(received.some((event) => event.id === beforeId)).toBe(false);
  });

  it('closes its Redis connections when it shuts down', async () => {
    const c = await startDemo({ port: 0, redis: redis.url, tickInterval: TICK_MS, log: () => {} });
    const before = await ssekitConnections(redis.port);
    expect(before).toBe(6); // two (writer and follower) for each of A, B and C
    await c.close({ retry: RETRY_MS });
    await expect.poll(() => ssekitConnections(redis.port)).toBe(before - 2);
  });

  describe.runIf(haveChromium || inCI)('in Chromium, one page per instance', () => {
    let browser: Browser;

    beforeAll(async () => {
      requireChromium();
      browser = await launchChromium();
    });

    afterAll(async () => {
      await browser?.close();
    });

    const openPage = (demo: Demo, framework: string) => openDemoPage(browser, demo, framework);

    it('shows a broadcast typed on the page of A on the page of B, and each page names its instance', async () => {
      const [pageA, pageB] = await Promise.all([openPage(a, 'koa'), openPage(b, 'hono')]);
      await expect.poll(() => pageA.locator('#instance').textContent()).toContain(a.info.instance);
      await expect.poll(() => pageB.locator('#instance').textContent()).toContain(b.info.instance);
      expect(await pageB.locator('#instance').textContent()).toContain(REDIS_KEY);

      const textarea = pageA.locator('#broadcast textarea');
      await textarea.fill('typed on A, shown on B');
      await textarea.press('Enter');
      for (const page of [pageA, pageB]) {
        await expect
          .poll(() => page.locator('#feed .message .data').allTextContents())
          .toEqual(['typed on A, shown on B']);
      }
      const ids = await Promise.all(
        [pageA, pageB].map((page) => page.locator('#feed .message').getAttribute('data-id')),
      );
      expect(ids[0]).toBe(ids[1]);
      // B's ticker shows A's ticks, marked as coming from another instance.
      await expect.poll(() => pageB.locator('#ticks li.other').count()).toBeGreaterThan(0);
      expect(await pageB.locator('#ticks li.other').first().getAttribute('title')).toBe(
        `from ${a.info.instance}`,
      );
    });
  });
});

if (!haveRedis && !inCI) {
  it.skip('shares the demo channel through Redis: install the Debian package `redis-server`', () => {});
}

/** How many clients named by `@ssekit/redis` (`ssekit:<key>…`) are connected to the Redis on `port`. */
function ssekitConnections(port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    let reply = '';
    socket.setTimeout(2000, () => socket.destroy(new Error('CLIENT LIST got no answer in 2 s')));
    socket.once('error', reject);
    socket.once('connect', () => socket.write('CLIENT LIST\r\n'));
    socket.on('data', (chunk) => {
      reply += chunk.toString();
      // A bulk string: `$<length>\r\n<text>\r\n`.
      const header = /^\$(\d+)\r\n/.exec(reply);
      if (!header?.[1] || Buffer.byteLength(reply) < header[0].length + Number(header[1]) + 2) return;
      socket.end();
      const names = [...reply.matchAll(/ name=(\S*)/g)].map((match) => match[1]);
      resolve(names.filter((name) => name?.startsWith(`ssekit:${REDIS_KEY}`)).length);
    });
  });
}
