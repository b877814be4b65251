import { describe, expect, test } from 'vitest';
import { HEARTBEAT_MS } from './app.js';
import type { ServerGetter } from './poll.js';
import { openEventStream } from './reader.js';

/** Idle streams are kept alive with comment lines that clients ignore (§9.2.6, §9.2.7). */
export function heartbeatTests(server: ServerGetter): void {
  describe('heartbeat', () => {
    test('writes an empty comment line on an idle stream once per interval', async () => {
      // Timed from before the request, so delays on this (busy) side can only lengthen it.
      const requested = Date.now();
      const reader = await openEventStream(`${server().url}/sse/heartbeat`);
      await reader.waitFor(() => reader.comments().length >= 3, 'three heartbeats', HEARTBEAT_MS * 15);
      const elapsed = Date.now() - requested;
      await reader.close();
      expect(reader.comments().slice(0, 3)).toEqual(['', '', '']);
      expect(reader.events()).toEqual([]);
      // Each heartbeat follows a whole interval of silence, so they are not written back to back. An
      // adapter may open the stream with one comment of its own (Bun sends no head before the first
      // body chunk), so of three comments at least two are heartbeats: two intervals at the least.
      expect(elapsed).toBeGreaterThanOrEqual(HEARTBEAT_MS * 2);
    });
  });
}
