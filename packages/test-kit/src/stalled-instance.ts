// One test body, run with each engine (@ssekit/redis, @ssekit/nats): an instance paused (as a
// stalled host is) while another sends more than the log keeps.
import { EventSource } from 'eventsource';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt } from './built.js';
import type { ChildServer } from './child-server.js';
import type { EngineHarness } from './engine.js';
import { postJson, startInstance } from './instances.js';
import { waitFor } from './wait.js';

/** Registers the stalled-instance test for `engine`. */
export function describeStalledInstance(engine: EngineHarness): void {
  describe.skipIf(!engine.available)(
    `an instance stalled while the log is trimmed past it (separate processes, ${engine.name}, eventsource client)`,
    () => {
      let paused: ChildServer;
      let sender: ChildServer;
      let source: EventSource | undefined;

      beforeAll(async () => {
        ensureBuilt(['core', engine.pkg]);
        const env = await engine.start(100);
        [paused, sender] = await Promise.all([
          startInstance(engine.packageRoot, env),
          startInstance(engine.packageRoot, env),
        ]);
      }, 60_000);
      afterAll(async () => {
        source?.close();
        await Promise.all([paused?.close(), sender?.close()]);
        await engine.stop();
      });

      it('sends its clients the gap event, reason expired, before the events that follow, never a silent jump', async () => {
        const events: { type: string; data: string; id: string }[] = [];
        source = new EventSource(`${paused.url}/events`);
        const record = (event: MessageEvent) =>
          events.push({ type: event.type, data: event.data, id: event.lastEventId });
        source.addEventListener('message', record);
        source.addEventListener('ssekit-gap', record);
        await waitFor(() => source?.readyState === EventSource.OPEN, 'the client to open', 5_000);
        const first = await postJson<{ id?: string }>(sender, '/send', { data: 'before' });
        await waitFor(() => events.length === 1, 'the first event', 5_000);

        process.kill(paused.pid, 'SIGSTOP');
        let results: { data: string; id?: string }[];
        try {
          ({ results } = await postJson<{ results: typeof results }>(sender, '/burst', {
            count: 1500,
            intervalMs: 0,
            prefix: 's',
          }));
        } finally {
          process.kill(paused.pid, 'SIGCONT');
        }
        expect(results.every((result) => result.id !== undefined)).toBe(true);
        await waitFor(() => events.at(-1)?.data === 's1499', 'the last event after the stall', 20_000);

        const gapAt = events.findIndex((event) => event.type === 'ssekit-gap');
        expect(gapAt).toBeGreaterThan(0);
        // The gap names the last event this instance delivered before the loss (what reached its
        // socket before it stalled may be delivered first): each client then knows what it missed.
        expect(JSON.parse(events[gapAt]?.data as string)).toEqual({
          lastEventId: events[gapAt - 1]?.id,
          reason: 'expired',
        });
        expect(events[0]).toMatchObject({ data: 'before', id: first.id });
        // Before the gap and after it: contiguous runs, with the trimmed events between them missing.
        const before = events.slice(1, gapAt).map((event) => event.data);
        const after = events.slice(gapAt + 1).map((event) => event.data);
        expect(before).toEqual(Array.from({ length: before.length }, (_, i) => `s${i}`));
        const firstAfter = Number(after[0]?.slice(1));
        expect(firstAfter).toBeGreaterThan(before.length);
        expect(after).toEqual(Array.from({ length: 1500 - firstAfter }, (_, i) => `s${firstAfter + i}`));
        expect(events.filter((event) => event.type === 'ssekit-gap')).toHaveLength(1);
      }, 40_000);
    },
  );
}
