import { describe, expect, test } from 'vitest';
import { readRecord, type ServerGetter, uniqueId } from './poll.js';
import { rawConnection } from './raw-http.js';

const HEAD_END = '\r\n\r\n';

/**
 * HEAD gets the event-stream head and an ended response without a body, runs no route code, and
 * leaves the keep-alive connection usable for the next request (browsers reuse connections).
 */
export function headTests(server: ServerGetter): void {
  describe('HEAD', () => {
    test('answers with the event-stream headers, ends the response and keeps the connection usable', async () => {
      const id = uniqueId('head');
      const connection = await rawConnection(server());
      connection.send(`HEAD /sse/disconnect?id=${id} HTTP/1.1`);
      const head = await connection.until((text) => text.includes(HEAD_END), 'response head to HEAD');
      expect(head).toMatch(/^HTTP\/1\.1 200 /);
      expect(head.toLowerCase()).toContain('content-type: text/event-stream');

      connection.send('GET /plain HTTP/1.1');
      const both = await connection.until(
        (text) => /\r\n\r\n[\s\S]*plain/.test(text.slice(text.indexOf(HEAD_END) + HEAD_END.length)),
        'answer to a GET sent after the HEAD on the same connection',
      );
      // Nothing between the two responses: HEAD has no body, not even an empty chunked one.
      const afterHead = both.slice(both.indexOf(HEAD_END) + HEAD_END.length);
      expect(afterHead).toMatch(/^HTTP\/1\.1 200 /);
      // The route's code never ran, so it recorded nothing.
      expect(await readRecord(server(), id)).toBeUndefined();
    });
  });
}
