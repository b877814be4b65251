import { describe, expect, test } from 'vitest';
import { readState, type ServerGetter, uniqueId, until } from './poll.js';
import { openEventStream } from './reader.js';

const failures = [
  { mode: 'sync', how: 'throws' },
  { mode: 'async', how: 'rejects after an await' },
];

/** A route that fails reaches the app's onError; its stream closes and the server carries on. */
export function handlerErrorTests(server: ServerGetter): void {
  describe('route errors', () => {
    for (const { mode, how } of failures) {
      test(`passes the error of a route that ${how} to onError and closes its stream`, async () => {
        const id = uniqueId('throws');
        const reader = await openEventStream(`${server().url}/sse/throws?mode=${mode}&id=${id}`);
        // Closed gracefully or torn down: either way the body ends.
        await reader.waitForEnd();
        const reported = await until(async () => {
          const { errors } = await readState(server());
          const ours = errors.filter(({ message }) => message.includes(id));
          return ours.length > 0 ? ours : undefined;
        }, 'onError to receive the error');
        expect(reported).toEqual([{ name: 'Error', message: `conformance: the route failed (${id})` }]);
      });
    }

    test('keeps serving new streams after a route failed', async () => {
      const failing = await openEventStream(`${server().url}/sse/throws?mode=sync&id=${uniqueId('throws')}`);
      await failing.waitForEnd();
      const next = await openEventStream(`${server().url}/sse/last-event-id`);
      await next.waitForEnd();
      expect(next.events().map(({ type }) => type)).toEqual(['last-event-id']);
    });
  });
}
