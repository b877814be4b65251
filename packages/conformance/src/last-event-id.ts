import { describe, expect, test } from 'vitest';
import type { ServerGetter } from './poll.js';
import { openEventStream } from './reader.js';

interface Case {
  title: string;
  query: string;
  headers: Record<string, string>;
  expected: string | null;
}

const cases: Case[] = [
  { title: 'has no last event id on a first connection', query: '', headers: {}, expected: null },
  {
    title: 'reads the Last-Event-ID header',
    query: '',
    headers: { 'last-event-id': 'from-header' },
    expected: 'from-header',
  },
  {
    title: 'reads the lastEventId query parameter when there is no header',
    query: '?lastEventId=from-query',
    headers: {},
    expected: 'from-query',
  },
  {
    title: 'prefers the Last-Event-ID header to the query parameter',
    query: '?lastEventId=from-query',
    headers: { 'last-event-id': 'from-header' },
    expected: 'from-header',
  },
];

/** A reconnecting client tells the route where to resume (§9.2.4). */
export function lastEventIdTests(server: ServerGetter): void {
  describe('last event id', () => {
    for (const { title, query, headers, expected } of cases) {
      test(title, async () => {
        const reader = await openEventStream(`${server().url}/sse/last-event-id${query}`, headers);
        await reader.waitForEnd();
        expect(reader.events()).toEqual([
          { type: 'last-event-id', data: JSON.stringify({ lastEventId: expected }), lastEventId: '' },
        ]);
      });
    }
  });
}
