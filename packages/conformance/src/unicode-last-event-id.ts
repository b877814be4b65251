import { describe, expect, test } from 'vitest';
import type { ConformanceHarness } from './harness.js';
import type { ServerGetter } from './poll.js';
import { rawConnection } from './raw-http.js';
import { openEventStream } from './reader.js';

const ID = 'café-日本';

/** What `/sse/last-event-id` sends back, as a line on the wire. */
function echoed(lastEventId: string): string {
  return `data: ${JSON.stringify({ lastEventId })}\n`;
}

const echoArrived = (received: string): boolean => /"lastEventId":.*\}\n/.test(received);

/**
 * A browser sends a non-ASCII last event id as UTF-8 bytes (§9.2.4); servers hand header bytes
 * over as latin1 characters, so the id must be decoded back to what was sent.
 */
export function unicodeLastEventIdTests(server: ServerGetter, harness: ConformanceHarness): void {
  describe('non-ASCII last event id', () => {
    test('reads a Last-Event-ID header sent as UTF-8 bytes, as Chromium sends it', async () => {
      const connection = await rawConnection(server());
      connection.send(`GET /sse/last-event-id HTTP/1.1\r\nAccept: text/event-stream\r\nLast-Event-ID: ${ID}`);
      const received = await connection.until(echoArrived, 'the echoed id');
      expect(received).toContain(echoed(ID));
    });

    test.skipIf(harness.rawHeaderBytes === false)(
      'keeps a Last-Event-ID header that is not valid UTF-8 as it came',
      async () => {
        const connection = await rawConnection(server());
        // 0xE9 alone (latin1 "é") is not UTF-8: a server that cannot decode it keeps it.
        const head = Buffer.concat([
          Buffer.from('GET /sse/last-event-id HTTP/1.1\r\nLast-Event-ID: caf'),
          Buffer.from([0xe9]),
        ]);
        connection.send(head);
        const received = await connection.until(echoArrived, 'the echoed id');
        expect(received).toContain(echoed('caf\u00e9'));
      },
    );

    test('reads a percent-encoded UTF-8 lastEventId query parameter', async () => {
      const reader = await openEventStream(
        `${server().url}/sse/last-event-id?lastEventId=${encodeURIComponent(ID)}`,
      );
      await reader.waitForEnd();
      expect(reader.events()[0]?.data).toBe(JSON.stringify({ lastEventId: ID }));
    });
  });
}
