import { until, untilValue } from '@ssekit/test-kit';
import { chromiumTestsRun, launchChromium, requireChromium } from '@ssekit/test-kit/chromium';
import { EventSource } from 'eventsource';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildAndStartNextApp, type NextServer } from './next-app.js';

interface AppState {
  open: number;
  closeReasons: string[];
  chatMembers: number;
}

interface Received {
  type: string;
  data: string;
  id: string;
}

/** An `eventsource` client of `url` that records every event of `types`. */
function listen(url: string, types: string[]): { source: EventSource; received: Received[] } {
  const source = new EventSource(url);
  const received: Received[] = [];
  for (const type of types)
    source.addEventListener(type, (event) =>
      received.push({ type, data: event.data, id: event.lastEventId }),
    );
  return { source, received };
}

describe('sse() and subscribe() in a Next.js App Router app (next build, next start)', () => {
  let app: NextServer;
  const clients: EventSource[] = [];
  beforeAll(async () => {
    app = await buildAndStartNextApp();
  }, 150_000);
  afterAll(async () => {
    for (const client of clients) client.close();
    await app?.close();
  });

  const state = async (): Promise<AppState> => (await fetch(`${app.url}/state`)).json() as Promise<AppState>;

  it('streams events, and an eventsource client resumes by Last-Event-ID after the route ends its stream', async () => {
    const { source, received } = listen(`${app.url}/events`, ['tick']);
    clients.push(source);
    // Three events per connection: 4 to 6 come on the reconnection that sent Last-Event-ID: 3.
    await until(() => (received.length >= 6 ? true : undefined), 'six ticks over two connections', 5_000);
    source.close();
    expect(received.slice(0, 6)).toEqual(
      [1, 2, 3, 4, 5, 6].map((n) => ({ type: 'tick', data: JSON.stringify({ n }), id: String(n) })),
    );
  });

  it('notices within a second that the client left', async () => {
    // Start with no stream open: the first test's client may be leaving still.
    const before = await untilValue(state, (now) => now.open === 0, 'earlier streams to close');
    const { source, received } = listen(`${app.url}/events?hold`, ['tick']);
    clients.push(source);
    await until(() => (received.length >= 1 ? true : undefined), 'the first tick');
    expect((await state()).open).toBe(before.open + 1);
    source.close();
    const after = await untilValue(state, (now) => now.open === before.open, 'the stream to close', 1_000);
    expect(after.closeReasons.at(-1)).toBe('client');
  });

  it('broadcasts a channel event to every member, and a member that leaves is removed', async () => {
    const { source, received } = listen(`${app.url}/chat`, ['chat']);
    clients.push(source);
    await until(async () => ((await state()).chatMembers === 1 ? true : undefined), 'the client to join');
    const { id } = (await (await fetch(`${app.url}/chat`, { method: 'POST', body: 'hello' })).json()) as {
      id: string;
    };
    await until(() => (received.length >= 1 ? true : undefined), 'the broadcast');
    expect(received).toEqual([{ type: 'chat', data: 'hello', id }]);
    source.close();
    await until(
      async () => ((await state()).chatMembers === 0 ? true : undefined),
      'the member to leave',
      1_000,
    );
  });

  describe.runIf(chromiumTestsRun('[fetch] The Next.js page in Chromium'))('in Chromium', () => {
    it('receives events with resumption and a broadcast on the same page', async () => {
      requireChromium();
      const browser = await launchChromium();
      try {
        const page = await browser.newPage();
        await page.goto(`${app.url}/page`);
        type PageEvent = { path: string; data?: string; id?: string; open?: boolean };
        const received = () => page.evaluate(() => (window as unknown as { received: PageEvent[] }).received);
        await until(
          async () => ((await state()).chatMembers >= 1 ? true : undefined),
          'the page to join the chat',
          5_000,
        );
        const { id } = (await (await fetch(`${app.url}/chat`, { method: 'POST', body: 'hi' })).json()) as {
          id: string;
        };
        const events = await until(
          async () => {
            const now = await received();
            const ticks = now.filter((event) => event.path === '/events' && !event.open);
            return ticks.length >= 6 && now.some((event) => event.path === '/chat' && !event.open)
              ? now
              : undefined;
          },
          'six ticks and the broadcast in the page',
          5_000,
          50,
        );
        expect(events.filter((event) => event.path === '/events' && !event.open).slice(0, 6)).toEqual(
          [1, 2, 3, 4, 5, 6].map((n) => ({ path: '/events', data: JSON.stringify({ n }), id: String(n) })),
        );
        expect(events.filter((event) => event.path === '/chat' && !event.open)).toEqual([
          { path: '/chat', data: 'hi', id },
        ]);
        // The /events stream reconnected: a second open.
        expect(
          events.filter((event) => event.path === '/events' && event.open).length,
        ).toBeGreaterThanOrEqual(2);
      } finally {
        await browser.close();
      }
      await until(
        async () => ((await state()).chatMembers === 0 ? true : undefined),
        'the page to leave',
        2_000,
      );
    });
  });
});
