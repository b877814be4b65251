import { beforeAll, describe, expect, test } from 'vitest';
import { MESSAGES_COMMENT, MESSAGES_RETRY_MS, messageCases } from './app.js';
import type { ServerGetter } from './poll.js';
import { type EventStreamReader, openEventStream } from './reader.js';

/** Every kind of message reaches a spec-exact client exactly as the route sent it. */
export function messageTests(server: ServerGetter): void {
  describe('messages', () => {
    let reader: EventStreamReader;
    let end: { error?: unknown };

    beforeAll(async () => {
      // The route sends everything and closes, so the whole body is read once for these tests.
      reader = await openEventStream(`${server().url}/sse/messages`);
      end = await reader.waitForEnd();
    });

    messageCases.forEach(({ title, expected }, index) => {
      test(`delivers ${title} exactly as sent`, () => {
        expect(reader.events()[index]).toEqual(expected);
      });
    });

    test('dispatches no event that was not sent', () => {
      expect(reader.events()).toHaveLength(messageCases.length);
    });

    test("writes the route's retry before any event, then each event's retry", () => {
      const eventRetries = messageCases.flatMap(({ options }) =>
        options?.retry === undefined ? [] : [options.retry],
      );
      expect(reader.entries[0]).toEqual({ kind: 'retry', ms: MESSAGES_RETRY_MS });
      expect(reader.entries.flatMap((entry) => (entry.kind === 'retry' ? [entry.ms] : []))).toEqual([
        MESSAGES_RETRY_MS,
        ...eventRetries,
      ]);
    });

    test('writes each line of a multi-line comment as its own comment line', () => {
      expect(reader.comments()).toEqual(MESSAGES_COMMENT.split('\n'));
    });

    test('ends the response cleanly when the route closes the stream', () => {
      expect(end.error).toBeUndefined();
    });
  });
}
