import { outcomeWithin, until } from '@ssekit/test-kit';
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

  it('outlives the idle timeout that cuts a plain quiet response: sse() lifted it through the server', async () => {
    const controller = new AbortController();
    const [plain, events] = await Promise.all([
      fetch(`${running.url}/runtime/plain-quiet`, { signal: controller.signal }),
      fetch(`${running.url}/runtime/quiet`, { signal: controller.signal }),
    ]);
    try {
      // Bun checks timeouts about every 4 s.
      const [plainOutcome, eventsOutcome] = await Promise.all([
        outcomeWithin(plain.body!, 6_000),
        outcomeWithin(events.body!, 6_000),
      ]);
      // Bun really does cut quiet responses here, so the event stream survived because of sse().
      expect(plainOutcome).toBe('cut');
      expect(eventsOutcome).toBe('open');
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
    const after = await until(
      async () => {
        const now = await state(running.url);
        return now.open === before.open ? now : undefined;
      },
      'the unread stream to close',
      7_000,
      100,
    );
    expect(after.closeReasons.slice(before.closeReasons.length)).toEqual(['client']);
    expect(after.heartbeat).toEqual(before.heartbeat);
  }, 10_000);
});
