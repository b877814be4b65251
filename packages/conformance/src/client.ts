import { connect, EventSource, type SSEClient } from '@ssekit/client';
import { describe, expect, test } from 'vitest';
import { messageCases, RECONNECT_ID, type ReconnectRecord } from './app.js';
import { track } from './cleanup.js';
import { readRecord, type ServerGetter, uniqueId } from './poll.js';

interface Received {
  type: string;
  data: string;
  lastEventId: string;
}

/** The first `count` events `client` yields, as text; the client is closed before this resolves. */
async function firstEvents(client: SSEClient, count: number): Promise<Received[]> {
  const close = track(() => client.close());
  const received: Received[] = [];
  try {
    for await (const { type, data, lastEventId } of client) {
      received.push({ type, data: data as string, lastEventId });
      if (received.length === count) break;
    }
  } finally {
    await close();
  }
  return received;
}

/** The first `count` events of the given types that ssekit's `EventSource` dispatches. */
function firstMessages(url: string, types: string[], count: number): Promise<Received[]> {
  const source = new EventSource(url);
  const close = track(() => source.close());
  const received: Received[] = [];
  return new Promise<Received[]>((resolve, reject) => {
    const timeout = setTimeout(() => reject(new Error(`got ${received.length} of ${count} events`)), 5000);
    const onEvent = (event: MessageEvent) => {
      received.push({ type: event.type, data: event.data, lastEventId: event.lastEventId });
      if (received.length < count) return;
      clearTimeout(timeout);
      resolve(received);
    };
    for (const type of types) source.addEventListener(type, onEvent as EventListener);
  }).finally(close);
}

/** `@ssekit/client`: `connect()` and its `EventSource` see exactly what the spec dispatches (§9.2.6). */
export function clientTests(server: ServerGetter): void {
  describe('@ssekit/client', () => {
    const expected = messageCases.map(({ expected }) => expected);

    test('connect() yields every message case with its type, data and last event id', async () => {
      const client = connect(`${server().url}/sse/messages`, { parse: 'text' });
      expect(await firstEvents(client, messageCases.length)).toEqual(expected);
    });

    test('EventSource dispatches every message case as a browser does', async () => {
      const types = [...new Set(expected.map(({ type }) => type))];
      expect(await firstMessages(`${server().url}/sse/messages`, types, messageCases.length)).toEqual(
        expected,
      );
    });

    test('connect() resumes from the last id after the server ends the stream', async () => {
      const id = uniqueId('client-reconnect');
      const client = connect(`${server().url}/sse/reconnect?id=${id}`, {
        parse: 'text',
        backoff: { initial: 10 },
      });
      expect(await firstEvents(client, 2)).toEqual([
        { type: 'message', data: 'first', lastEventId: RECONNECT_ID },
        { type: 'resumed', data: RECONNECT_ID, lastEventId: RECONNECT_ID },
      ]);
      expect(await readRecord<ReconnectRecord>(server(), id)).toEqual({ lastEventIds: [null, RECONNECT_ID] });
    });
  });
}
