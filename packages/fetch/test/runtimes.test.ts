import { outcomeWithin, until, untilValue } from '@ssekit/test-kit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runtimeServers } from './child-server.js';

interface RuntimeState {
  /** How many streams the handler got so far. */
  opened: number;
  open: number;
  closeReasons: string[];
  heartbeat: { streams: number; timers: number };
}

async function state(url: string): Promise<RuntimeState> {
  return (await fetch(`${url}/runtime/state`)).json() as Promise<RuntimeState>;
}

const bun = runtimeServers.find((runtime) => runtime.name === 'bun')!;

describe('a quiet event stream on Bun.serve (idleTimeout 2 s)', () => {
  let running: Awaited<ReturnType<typeof bun.start>>;
  beforeAll(async () => {
    // Bun's default is 10 s; 2 s keeps the test short.
    running = await bun.start('runtime', '2');
  });
  afterAll(() => running?.close());

  it('outlives the idle timeout that cuts a plain quiet response: sse() and eventStream() lift it through the server', async () => {
    const controller = new AbortController();
    const [plain, ...events] = await Promise.all(
      ['/runtime/plain-quiet', '/runtime/quiet', '/runtime/quiet-call'].map((path) =>
        fetch(`${running.url}${path}`, { signal: controller.signal }),
      ),
    );
    try {
      // Bun checks timeouts about every 4 s.
      const [plainOutcome, ...eventsOutcomes] = await Promise.all(
        [plain, ...events].map((response) => outcomeWithin(response!.body!, 6_000)),
      );
      // Bun really does cut quiet responses here, so the event streams survived because of ssekit.
      expect(plainOutcome).toBe('cut');
      expect(eventsOutcomes).toEqual(['open', 'open']);
    } finally {
      controller.abort();
    }
  }, 15_000);
});

describe.each(runtimeServers)('sse() on $name', (runtime) => {
  let running: Awaited<ReturnType<typeof runtime.start>>;
  beforeAll(async () => {
    running = await runtime.start('runtime');
  });
  afterAll(() => running?.close());

  it('closes a stream whose body nobody ever reads (a wrapper replaced its response)', async () => {
    const before = await state(running.url);
    expect(await (await fetch(`${running.url}/runtime/replaced`)).text()).toBe('replaced');
    expect((await state(running.url)).opened).toBe(before.opened + 1);
    // The body gets UNREAD_BODY_GRACE_MS (5 s) for a reader to take it.
    const after = await untilValue(
      () => state(running.url),
      (now) => now.open === before.open,
      'the unread stream to close',
      7_000,
    );
    expect(after.closeReasons.slice(before.closeReasons.length)).toEqual(['client']);
    expect(after.heartbeat).toEqual(before.heartbeat);
  }, 10_000);

  it('drains the streams of eventStream() and subscribe() through the group they were given', async () => {
    // Each body is read to its end in the background (an object, so awaiting it does not wait for the end).
    const clients = await Promise.all(
      ['/runtime/quiet-call', '/runtime/subscribed'].map(async (path) => ({
        text: (await fetch(`${running.url}${path}`)).text(),
      })),
    );
    const group = async () =>
      (await (await fetch(`${running.url}/runtime/group`)).json()) as { size: number; members: number };
    await until(async () => ((await group()).size === 2 ? true : undefined), 'both streams in the group');
    expect((await group()).members).toBe(1);
    expect(await (await fetch(`${running.url}/runtime/drain-group`)).text()).toBe('drained');
    // Each body ends with the drain's last event.
    for (const text of await Promise.all(clients.map((client) => client.text)))
      expect(text).toMatch(/event: ready\n[\s\S]*event: bye\ndata: bye\n\n$/);
    expect(await group()).toEqual({ size: 0, members: 0 });
  });
});
