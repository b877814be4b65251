import { readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { createConformanceApp, messageCases } from '@ssekit/conformance/app';
import { createChannel, nodeStreamRequest, openSSEStream, type SSEStream } from '@ssekit/core';
import { waitFor } from '@ssekit/test-kit';
import { chromiumTestsRun, launchChromium, requireChromium } from '@ssekit/test-kit/chromium';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const mustRun = chromiumTestsRun('[client] Browser tests');

/** The built files the page loads, by URL prefix. */
const DIST = {
  '/client/': fileURLToPath(new URL('../dist/', import.meta.url)),
  '/core/': fileURLToPath(new URL('../../core/dist/', import.meta.url)),
};

/**
 * The page: the built client as a module, and `window.readAll(types, count)`, which reads the first
 * `count` events of /sse/messages three ways: Chromium's EventSource, ssekit's, and connect().
 */
const PAGE = `<!doctype html><meta charset="utf-8">
<script type="importmap">{ "imports": { "@ssekit/core": "/core/index.js", "@ssekit/core/internal": "/core/internal.js" } }</script>
<script type="module">
import { connect, EventSource as SSEKitEventSource, pauseWhenHidden, shareAcrossTabs } from '/client/index.js';
const viaEventSource = (Source, types, count) => new Promise((resolve) => {
  const source = new Source('/sse/messages');
  const got = [];
  const onEvent = (event) => {
    got.push({ type: event.type, data: event.data, lastEventId: event.lastEventId });
    if (got.length === count) { source.close(); resolve(got); }
  };
  for (const type of types) source.addEventListener(type, onEvent);
});
window.readAll = async (types, count) => {
  const native = await viaEventSource(EventSource, types, count);
  const ssekitEventSource = await viaEventSource(SSEKitEventSource, types, count);
  const viaConnect = [];
  for await (const { type, data, lastEventId } of connect('/sse/messages', { parse: 'text' })) {
    viaConnect.push({ type, data, lastEventId });
    if (viaConnect.length === count) break;
  }
  return { native, ssekitEventSource, viaConnect };
};
window.setVisibility = (state) => {
  Object.defineProperty(document, 'visibilityState', { value: state, configurable: true });
  document.dispatchEvent(new Event('visibilitychange'));
};
window.startPaused = (paused) => {
  const pause = paused ? pauseWhenHidden() : undefined;
  const client = connect('/sse/counter', { pause, parse: 'text', backoff: { initial: 10 } });
  window.paused = { client, received: [], states: [] };
  client.on('message', (event) => window.paused.received.push(event.data));
  client.onState(({ state, paused }) => window.paused.states.push(paused ? state + ' (paused)' : state));
};
window.startShared = () => {
  const client = connect('/sse/shared', { share: shareAcrossTabs(), parse: 'text' });
  window.shared = { received: [] };
  client.on('message', (event) => window.shared.received.push(event.data));
};
window.ready = true;
</script>`;

interface Received {
  type: string;
  data: string;
  lastEventId: string;
}

describe.runIf(mustRun)('the built client in Chromium', () => {
  const counter = { lastEventIds: [] as (string | null)[], open: new Set<SSEStream>() };
  const shared = {
    channel: createChannel({ history: 100 }),
    lastEventIds: [] as (string | null)[],
    opened: 0,
  };
  let server: Server;
  let url: string;
  let browser: Browser;

  beforeAll(async () => {
    requireChromium();
    const messages = createConformanceApp().routes.find((route) => route.path === '/sse/messages')!;
    server = createServer(async (req, res) => {
      const path = req.url?.split('?')[0] ?? '/';
      if (path === '/sse/shared') {
        const stream = openSSEStream(nodeStreamRequest(req, res, req.url), { heartbeat: false });
        shared.lastEventIds.push(stream.lastEventId ?? null);
        shared.opened++;
        shared.channel.add(stream);
        return;
      }
      if (path === '/sse/counter') {
        // One event per connection, numbered after the Last-Event-ID it resumed from; stays open.
        const stream = openSSEStream(nodeStreamRequest(req, res, req.url), { heartbeat: false });
        counter.lastEventIds.push(stream.lastEventId ?? null);
        counter.open.add(stream);
        stream.onClose(() => counter.open.delete(stream));
        const next = String(Number(stream.lastEventId ?? 0) + 1);
        void stream.send(next, { id: next });
        return;
      }
      if (path === '/sse/messages') {
        const stream = openSSEStream(nodeStreamRequest(req, res, req.url), messages.options);
        void messages.handle(stream, { url: req.url ?? '/' });
        return;
      }
      const prefix = (Object.keys(DIST) as (keyof typeof DIST)[]).find((key) => path.startsWith(key));
      if (prefix) {
        const file = await readFile(DIST[prefix] + path.slice(prefix.length)).catch(() => undefined);
        if (file) return res.writeHead(200, { 'content-type': 'text/javascript' }).end(file);
        return res.writeHead(404).end();
      }
      res.writeHead(200, { 'content-type': 'text/html' }).end(PAGE);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    await new Promise<void>((resolve) => {
      server?.close(() => resolve());
      server?.closeAllConnections();
    });
  });

  it('dispatches the conformance message cases as Chromium’s EventSource does', async () => {
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(String(error)));
    await page.goto(url);
    const types = [...new Set(messageCases.map(({ expected }) => expected.type))];
    await page.waitForFunction(() => (window as { ready?: boolean }).ready === true);
    const result = await page.evaluate(
      ([types, count]) =>
        (
          window as unknown as {
            readAll(types: string[], count: number): Promise<Record<string, Received[]>>;
          }
        ).readAll(types, count),
      [types, messageCases.length] as [string[], number],
    );
    expect(errors).toEqual([]);
    expect(result.native).toEqual(messageCases.map(({ expected }) => expected));
    expect(result.ssekitEventSource).toEqual(result.native);
    expect(result.viaConnect).toEqual(result.native);
    await page.close();
  });

  it('pause: pauseWhenHidden() closes the connection while the page is hidden and resumes by Last-Event-ID', async () => {
    const page = await browser.newPage();
    await page.goto(url);
    await page.waitForFunction(() => (window as { ready?: boolean }).ready === true);
    type Paused = { received: string[]; states: string[] };
    const paused = () => page.evaluate(() => (window as unknown as { paused: Paused }).paused);
    const setVisibility = (state: string) =>
      page.evaluate(
        (state) => (window as unknown as { setVisibility(s: string): void }).setVisibility(state),
        state,
      );
    await page.evaluate(() => (window as unknown as { startPaused(pause: boolean): void }).startPaused(true));
    await waitFor(async () => (await paused()).received.length === 1, 'the first event');
    expect(counter.open.size).toBe(1);

    await setVisibility('hidden');
    await waitFor(() => counter.open.size === 0, 'the server saw the hidden page leave');
    expect((await paused()).states).toEqual(['open', 'reconnecting (paused)']);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(counter.lastEventIds).toEqual([null]);

    await setVisibility('visible');
    await waitFor(async () => (await paused()).received.length === 2, 'the event after resuming');
    expect((await paused()).received).toEqual(['1', '2']);
    expect(counter.lastEventIds).toEqual([null, '1']);
    await page.close();
    await waitFor(() => counter.open.size === 0, 'the closed page left');
  });

  it('keeps the connection of a hidden page without the pause option', async () => {
    const page = await browser.newPage();
    await page.goto(url);
    await page.waitForFunction(() => (window as { ready?: boolean }).ready === true);
    const before = counter.lastEventIds.length;
    await page.evaluate(() =>
      (window as unknown as { startPaused(pause: boolean): void }).startPaused(false),
    );
    await waitFor(() => counter.open.size === 1, 'the stream opened');
    await page.evaluate(() =>
      (window as unknown as { setVisibility(s: string): void }).setVisibility('hidden'),
    );
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(counter.open.size).toBe(1);
    expect(counter.lastEventIds.length).toBe(before + 1);
    await page.close();
    await waitFor(() => counter.open.size === 0, 'the closed page left');
  });

  it('share: shareAcrossTabs(): 8 tabs share one connection; when the leader closes, another resumes with nothing lost or doubled', async () => {
    const context = await browser.newContext();
    const pages: Page[] = [];
    for (let i = 0; i < 8; i++) {
      const page = await context.newPage();
      await page.goto(url);
      await page.waitForFunction(() => (window as { ready?: boolean }).ready === true);
      await page.evaluate(() => (window as unknown as { startShared(): void }).startShared());
      pages.push(page);
    }
    const received = (page: Page) =>
      page.evaluate(() => (window as unknown as { shared: { received: string[] } }).shared.received);
    const allHave = async (list: Page[], count: number) =>
      (await Promise.all(list.map(received))).every((events) => events.length >= count);
    const send = async (from: number, to: number) => {
      for (let n = from; n <= to; n++) await shared.channel.send(`e${n}`);
    };
    const expected = (to: number) => Array.from({ length: to }, (_, i) => `e${i + 1}`);

    await waitFor(() => shared.channel.size === 1, 'the leader connected');
    await send(1, 5);
    await waitFor(() => allHave(pages, 5), 'every tab got the first five events', 5000);
    expect(shared.opened).toBe(1);

    // The first tab took the lock first: closing it hands over while events keep coming.
    await pages[0]!.close();
    await send(6, 7);
    await waitFor(() => shared.opened === 2 && shared.channel.size === 1, 'another tab took over', 5000);
    await send(8, 10);
    const rest = pages.slice(1);
    await waitFor(() => allHave(rest, 10), 'every remaining tab got all ten events', 5000);
    for (const events of await Promise.all(rest.map(received))) expect(events).toEqual(expected(10));
    // The new leader resumed from the last event relayed to it.
    expect(shared.lastEventIds).toEqual([null, expect.any(String)]);
    expect(shared.channel.size).toBe(1);
    await context.close();
    await waitFor(() => shared.channel.size === 0, 'the last tab left');
  }, 30_000);
});
