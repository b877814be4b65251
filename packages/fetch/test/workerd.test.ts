import { describeConformance } from '@ssekit/conformance';
import { parseEventStream } from '@ssekit/core';
import { until, untilValue } from '@ssekit/test-kit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startWorkerd } from './workerd.js';

describeConformance({
  name: 'fetch on workerd (Cloudflare Workers)',
  connectionHeader: false,
  // workerd learns that a client left only when a write to it fails, and decodes header bytes itself.
  noticesSilentDisconnect: false,
  rawHeaderBytes: false,
  start: startWorkerd,
});

interface RuntimeState {
  open: number;
  closeReasons: string[];
}

describe('sse() on workerd', () => {
  let running: Awaited<ReturnType<typeof startWorkerd>>;
  beforeAll(async () => {
    running = await startWorkerd();
  });
  afterAll(() => running?.close());

  const state = async (): Promise<RuntimeState> =>
    (await fetch(`${running.url}/runtime/state`)).json() as Promise<RuntimeState>;

  /** A client of `/runtime/heartbeat` (one event, then a comment every second), reading its body as text. */
  async function openHeartbeat(): Promise<{ text(): string; leave(): void }> {
    const controller = new AbortController();
    const response = await fetch(`${running.url}/runtime/heartbeat`, { signal: controller.signal });
    let text = '';
    void (async () => {
      const decoder = new TextDecoder();
      for await (const chunk of response.body!) text += decoder.decode(chunk);
    })().catch(() => {});
    await until(() => (text.includes('event: ready\n') ? true : undefined), 'the first event');
    return { text: () => text, leave: () => controller.abort() };
  }

  it('keeps quiet streams open past their heartbeat, each on its own timer, after the first request has ended', async () => {
    // The first stream's request ends first: a heartbeat timer it had set would die with it.
    const first = await openHeartbeat();
    const second = await openHeartbeat();
    first.leave();
    const heartbeats = () =>
      second
        .text()
        .split('event: ready')[1]
        ?.match(/^:\n\n/gm)?.length ?? 0;
    // One comment a second after the event, with room for a slow machine.
    await until(
      () => (heartbeats() >= 3 ? true : undefined),
      'three heartbeats after the first request ended',
      5_000,
      50,
    );
    second.leave();
  });

  it('notices a client that left at its next heartbeats (1 s apart), not later', async () => {
    // Start with no stream open: the earlier tests' clients are noticed leaving at their heartbeat too.
    const before = await untilValue(state, (now) => now.open === 0, 'earlier streams to close', 4_000);
    const client = await openHeartbeat();
    expect((await state()).open).toBe(before.open + 1);
    client.leave();
    // The first write after the client left may still be taken by the socket; the next one fails.
    const after = await untilValue(state, (now) => now.open === before.open, 'the stream to close', 3_500);
    expect(after.closeReasons.slice(before.closeReasons.length)).toEqual(['client']);
  });

  it('delivers each event as it is sent, not held back in a buffer', async () => {
    const controller = new AbortController();
    const response = await fetch(`${running.url}/runtime/ticks`, { signal: controller.signal });
    const arrivals: number[] = [];
    for await (const event of parseEventStream(response.body!)) {
      if (event.type === 'tick') arrivals.push(Date.now());
      if (arrivals.length === 5) break;
    }
    controller.abort();
    // The route sends a tick every 100 ms: each arrives on its own.
    const gaps = arrivals.slice(1).map((at, i) => at - (arrivals[i] as number));
    for (const gap of gaps) expect(gap).toBeGreaterThan(50);
  });
});
