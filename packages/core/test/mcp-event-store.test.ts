// mcpEventStore on memoryLog, in process: the SDK's EventStore contract as the transport uses it.
// (With the real SDK over HTTP, and across instances on Redis: packages/redis/test/mcp-event-store.test.ts.)
import { mcpEventStore, memoryLog } from '@ssekit/core';
import { describe, expect, it } from 'vitest';

const request = (id: number) => ({ jsonrpc: '2.0', id, method: 'tools/call', params: {} });
const progress = (n: number) => ({
  jsonrpc: '2.0',
  method: 'notifications/progress',
  params: { progress: n },
});
const response = (id: number) => ({ jsonrpc: '2.0', id, result: { content: [] } });

/** Replays after `lastEventId` into an array. */
async function replay(store: ReturnType<typeof mcpEventStore>, lastEventId: string) {
  const sent: Array<[string, object]> = [];
  const streamId = await store.replayEventsAfter(lastEventId, {
    send: async (eventId, message) => {
      sent.push([eventId, message]);
    },
  });
  return { streamId, sent };
}

describe('mcpEventStore', () => {
  it('issues event ids that name their stream, and replays what follows one, in order', async () => {
    const store = mcpEventStore(memoryLog());
    const priming = await store.storeEvent('s1', {});
    const ids = [await store.storeEvent('s1', progress(1)), await store.storeEvent('s1', progress(2))];
    const last = await store.storeEvent('s1', response(7));
    expect(await store.getStreamIdForEventId(priming)).toBe('s1');
    const { streamId, sent } = await replay(store, priming);
    expect(streamId).toBe('s1');
    expect(sent).toEqual([
      [ids[0], progress(1)],
      [ids[1], progress(2)],
      [last, response(7)],
    ]);
  });

  it('follows a request stream that has no response yet until the response is stored', async () => {
    const store = mcpEventStore(memoryLog());
    const first = await store.storeEvent('s2', progress(1));
    const replaying = replay(store, first);
    await store.storeEvent('s2', progress(2));
    await store.storeEvent('s2', response(1));
    const { sent } = await replaying;
    expect(sent.map(([, message]) => message)).toEqual([progress(2), response(1)]);
  });

  it('replays the standalone GET stream (which never ends) up to its newest event and returns', async () => {
    const store = mcpEventStore(memoryLog());
    const first = await store.storeEvent('_GET_stream', request(1));
    await store.storeEvent('_GET_stream', progress(1));
    const { streamId, sent } = await replay(store, first);
    expect(streamId).toBe('_GET_stream');
    expect(sent.map(([, message]) => message)).toEqual([progress(1)]);
  });

  it('keeps sessions apart with a scope, and does not know ids of another scope or of no store', async () => {
    const log = memoryLog();
    const [one, two] = [
      mcpEventStore(log, { scope: 'session-1' }),
      mcpEventStore(log, { scope: 'session-2' }),
    ];
    const fromOne = await one.storeEvent('_GET_stream', progress(1));
    await two.storeEvent('_GET_stream', progress(2));
    expect(await one.getStreamIdForEventId(fromOne)).toBe('_GET_stream');
    expect(await two.getStreamIdForEventId(fromOne)).toBeUndefined();
    expect(await one.getStreamIdForEventId('not an id')).toBeUndefined();
    await expect(replay(two, fromOne)).rejects.toThrow(/not an event id of this MCP event store/);
  });

  it('refuses a bad scope or limit with a typed error naming the option', () => {
    const log = memoryLog();
    const invalid = (field: string) => expect.objectContaining({ code: 'ERR_SSE_INVALID_OPTION', field });
    expect(() => mcpEventStore(log, { scope: 'a.b' })).toThrow(invalid('scope'));
    expect(() => mcpEventStore(log, { ttl: -1 })).toThrow(invalid('ttl'));
  });

  it('refuses a stream id that could not come back in an event id', async () => {
    const store = mcpEventStore(memoryLog());
    await expect(store.storeEvent('has space', progress(1))).rejects.toMatchObject({
      code: 'ERR_SSE_INVALID_STREAM_ID',
    });
  });
});
