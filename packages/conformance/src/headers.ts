import { describe, expect, test } from 'vitest';
import type { ConformanceHarness } from './harness.js';
import type { ServerGetter } from './poll.js';
import { openEventStream } from './reader.js';

/** What a client checks before it reads a single event (§9.2.2, §9.2.5), and routes left alone. */
export function headerTests(server: ServerGetter, harness: ConformanceHarness): void {
  describe('response headers', () => {
    test('answers 200 with the event-stream headers and no content-length', async () => {
      const { response, close } = await openEventStream(`${server().url}/sse/silent`);
      await close();
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
      expect(response.headers.get('cache-control')).toBe('no-cache, no-transform');
      expect(response.headers.get('x-accel-buffering')).toBe('no');
      expect(response.headers.get('content-length')).toBeNull();
    });

    test.skipIf(harness.connectionHeader === false)(
      'keeps an HTTP/1.1 connection alive with connection: keep-alive',
      async () => {
        const { response, close } = await openEventStream(`${server().url}/sse/silent`);
        await close();
        expect(response.headers.get('connection')).toBe('keep-alive');
      },
    );

    test('sends the headers before the route has written anything', async () => {
      // The route never writes and has no heartbeat: the response arrives only if the headers
      // were pushed out on their own, which is what makes a client's `open` fire at once.
      const reader = await openEventStream(`${server().url}/sse/silent`, {}, 2000);
      expect(reader.response.status).toBe(200);
      await reader.close();
    });

    test('leaves a route that does not stream untouched', async () => {
      const response = await fetch(`${server().url}/plain`, { signal: AbortSignal.timeout(3000) });
      expect(response.status).toBe(200);
      expect(await response.text()).toBe('plain');
      expect(response.headers.get('content-type')).not.toContain('text/event-stream');
      expect(response.headers.get('x-accel-buffering')).toBeNull();
    });
  });
}
