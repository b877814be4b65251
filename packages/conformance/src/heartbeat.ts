import { describe, expect, test } from 'vitest';
import { HEARTBEAT_MS } from './app.js';
import type { ServerGetter } from './poll.js';
import { openEventStream } from './reader.js';

/** Idle streams are kept alive with comment lines that clients ignore (S17). */
export function heartbeatTests(server: ServerGetter): void {
  describe('heartbeat', () => {
    test('writes an empty comment line on an idle stream once per interval', async () => {
      const reader = await openEventStream(`${server().url}/sse/heartbeat`);
      const opened = Date.now();
      await reader.waitFor(() => reader.comments().length >= 3, 'three heartbeats', HEARTBEAT_MS * 15);
      const elapsed = Date.now() - opened;
      await reader.close();
      expect(reader.comments().slice(0, 3)).toEqual(['', '', '']);
      expect(reader.events()).toEqual([]);
      // Each heartbeat follows a whole interval of silence, so three take three intervals from the
      // moment the stream opened (a little before the response reached us: half an interval of slack).
      expect(elapsed).toBeGreaterThanOrEqual(HEARTBEAT_MS * 2.5);
    });
  });
}
