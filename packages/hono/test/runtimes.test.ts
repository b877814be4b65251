import { parseEventStream } from '@ssekit/core';
import { outcomeWithin, untilValue } from '@ssekit/test-kit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runtimes, startChildServer } from './child-server.js';
import { createTestApp } from './fixtures/app.js';
import { serveNode } from './node-server.js';
import { headThenGet } from './raw-http.js';

interface RuntimeState {
  /** How many streams the handler got so far. */
  opened: number;
  open: number;
  closeReasons: string[];
  heartbeat: { streams: number; timers: number };
}

/** A running test app (fixtures/app.ts) and how soon its runtime cuts an idle response. */
interface Target {
  name: string;
  /** By when the runtime has cut a quiet plain response, with room to spare. */
  cutWithinMs: number;
  start(): Promise<{ url: string; close(): Promise<void> }>;
}

const targets: Target[] = [
  {
    name: 'node (@hono/node-server, server.timeout 1 s)',
    cutWithinMs: 2_500,
    start: async () => {
      const running = await serveNode(createTestApp());
      // Node's own idle limit, which users set: it destroys any socket quiet for that long.
      running.server.setTimeout(1_000);
      return running;
    },
  },
  {
    name: 'bun (idleTimeout 2 s)',
    // Bun's default is 10 s; 2 s keeps the test short. Bun checks timeouts about every 4 s.
    cutWithinMs: 6_000,
    start: () => startChildServer(runtimes.bun.command, runtimes.bun.args('runtime', '2')),
  },
];

async function state(url: string): Promise<RuntimeState> {
  return (await fetch(`${url}/runtime/state`)).json() as Promise<RuntimeState>;
}

describe.each(targets)('a quiet event stream on $name', (target) => {
  let running: Awaited<ReturnType<Target['start']>>;
  beforeAll(async () => {
    running = await target.start();
  });
  afterAll(() => running?.close());

  it('outlives the idle timeout that cuts a plain quiet response', async () => {
    const controller = new AbortController();
    const [plain, events] = await Promise.all([
      fetch(`${running.url}/runtime/plain-quiet`, { signal: controller.signal }),
      fetch(`${running.url}/runtime/quiet`, { signal: controller.signal }),
    ]);
    try {
      const [plainOutcome, eventsOutcome] = await Promise.all([
        outcomeWithin(plain.body!, target.cutWithinMs),
        outcomeWithin(events.body!, target.cutWithinMs),
      ]);
      // The runtime really does cut quiet responses here, so the event stream survived because of the adapter.
      expect(plainOutcome).toBe('cut');
      expect(eventsOutcome).toBe('open');
    } finally {
      controller.abort();
    }
  }, 15_000);
});

describe.each([runtimes.bun, runtimes.deno])('sse() on $name', (runtime) => {
  let running: Awaited<ReturnType<typeof startChildServer>>;
  beforeAll(async () => {
    running = await startChildServer(runtime.command, runtime.args('runtime'));
  });
  afterAll(() => running?.close());

  it('streams events with the event-stream headers', async () => {
    const controller = new AbortController();
    const response = await fetch(`${running.url}/runtime/quiet`, { signal: controller.signal });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
    expect(response.headers.get('cache-control')).toBe('no-cache, no-transform');
    const events = parseEventStream(response.body!)[Symbol.asyncIterator]();
    expect((await events.next()).value).toEqual({ type: 'ready', data: 'ready', lastEventId: '' });
    controller.abort();
  });

  it('closes the stream within a second of the client leaving', async () => {
    const before = await state(running.url);
    const controller = new AbortController();
    const response = await fetch(`${running.url}/runtime/quiet`, { signal: controller.signal });
    const events = parseEventStream(response.body!)[Symbol.asyncIterator]();
    await events.next();
    expect((await state(running.url)).open).toBe(before.open + 1);

    controller.abort();
    const after = await untilValue(
      () => state(running.url),
      (now) => now.open <= before.open,
      'the stream to close',
      1_000,
    );
    expect(after.open).toBe(before.open);
    expect(after.closeReasons.slice(before.closeReasons.length)).toContain('client');
  });

  it('answers HEAD with the event-stream headers and an ended response, opening no stream', async () => {
    const before = await state(running.url);
    const { head, next } = await headThenGet(running.url, '/runtime/quiet', '/runtime/plain');
    expect(head).toMatch(/^HTTP\/1\.1 200 /);
    expect(head).toMatch(/\r\ncontent-type: text\/event-stream; charset=utf-8\r\n/i);
    // The connection is still usable: the next request on it is answered.
    expect(next).toMatch(/^HTTP\/1\.1 200 [\s\S]*\r\n\r\nplain$/);
    expect(await state(running.url)).toEqual(before);
  });

  const causes = [{ cause: 'a middleware replaced its response', path: '/runtime/replaced' }];
  // Bun sends such a header; the client then refuses the response and drops the connection. Deno
  // 2.9.6 panics on it (libs/http_h1/write.rs "invalid response header value"), whatever we do.
  if (runtime.name === 'bun')
    causes.push({ cause: 'a middleware set a header Node would refuse', path: '/runtime/bad-header' });
  it.each(causes)(
    'closes a stream whose body is never read or refused: $cause',
    async ({ path }) => {
      const before = await state(running.url);
      await fetch(`${running.url}${path}`).then(
        (response) => response.body?.cancel(),
        () => {},
      );
      expect((await state(running.url)).opened).toBe(before.opened + 1);
      // The body gets UNREAD_BODY_GRACE_MS (5 s) for a reader to take it.
      const after = await untilValue(
        () => state(running.url),
        (now) => now.open <= before.open,
        'the stream to close',
        7_000,
      );
      expect(after.open).toBe(before.open);
      expect(after.closeReasons.slice(before.closeReasons.length)).toEqual(['client']);
      expect(after.heartbeat).toEqual(before.heartbeat);
    },
    10_000,
  );
});
