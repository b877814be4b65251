/**
 * The resumable-stream suite: one set of tests, over real HTTP, that every adapter's resumable
 * helper passes (reload mid-answer, a second reader, cancel, leaving, gone). An adapter's test file
 * calls `describeResumable` with a harness that mounts its helper's three routes.
 */
import { connect } from '@ssekit/client';
import { createResumable, type Producer, type Resumable, type ResumableStart } from '@ssekit/core';
import { EventSource } from 'eventsource';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { closeClients } from './cleanup.js';
import { openEventStream } from './reader.js';

/** A running server of the adapter under test. */
export interface ResumableServer {
  /** Base URL, `http://127.0.0.1:PORT`, no trailing slash. */
  url: string;
  /** Stops the server, cutting the connections still open. */
  close(): Promise<void>;
}

/** How an adapter's test mounts its resumable helper. */
export interface ResumableHarness {
  /** Shown in test names. */
  name: string;
  /**
   * Starts a server on 127.0.0.1 with a free port that mounts, through the adapter's helper on
   * `resumable`: `POST /chat` (its stream id and producer from `startOf(path and query)`),
   * `GET /chat/:id/stream` and `POST /chat/:id/cancel`.
   */
  start(resumable: Resumable, startOf: (url: string) => ResumableStart): Promise<ResumableServer>;
}

/** A fake model: `count` tokens `t0`, `t1`... one every `everyMs`, stopping when its signal aborts. */
function tokens(count: number, everyMs: number) {
  const seen: { abortedAt?: number; finished?: boolean } = {};
  const producer: Producer = async ({ send, signal }) => {
    signal.addEventListener('abort', () => {
      seen.abortedAt = performance.now();
    });
    for (let i = 0; i < count && !signal.aborted; i++) {
      await send(`t${i}`);
      await new Promise<void>((resolve) => {
        const stop = () => {
          clearTimeout(timer);
          resolve();
        };
        const timer = setTimeout(() => {
          signal.removeEventListener('abort', stop);
          resolve();
        }, everyMs);
        signal.addEventListener('abort', stop, { once: true });
      });
    }
    seen.finished = !signal.aborted;
  };
  return { producer, seen };
}

const names = (count: number) => Array.from({ length: count }, (_, i) => `t${i}`);
const END = 'ssekit-end';
let streams = 0;

/** Registers the resumable suite for one adapter. */
export function describeResumable(harness: ResumableHarness): void {
  describe(`resumable: ${harness.name}`, () => {
    const producers = new Map<string, Producer>();
    const resumable = createResumable({ ttl: 60_000 });
    let running: ResumableServer | undefined;
    const base = () => (running as ResumableServer).url;
    const newStream = (producer: Producer) => {
      const id = `s${++streams}-${Math.random().toString(36).slice(2, 8)}`;
      producers.set(id, producer);
      return id;
    };
    const post = (id: string) => openEventStream(`${base()}/chat?id=${id}`, {}, 3000, 'POST');

    beforeAll(async () => {
      running = await harness.start(resumable, (url) => {
        const query = new URL(url, 'http://localhost').searchParams;
        if (query.has('throw')) throw new Error('conformance: the start route failed');
        const streamId = query.get('id') ?? '';
        return { streamId, producer: producers.get(streamId) ?? (() => {}) };
      });
    });
    afterEach(closeClients);
    afterAll(async () => {
      await running?.close();
      await resumable.close();
    });

    test('a reload mid-answer resumes from Last-Event-ID with no event lost or repeated', async () => {
      const id = newStream(tokens(20, 10).producer);
      const first = await post(id);
      expect(first.response.status).toBe(200);
      await first.waitFor(() => first.events().length >= 5, '5 tokens');
      const seen = first.events();
      await first.close();
      const lastEventId = seen.at(-1)?.lastEventId as string;
      expect(lastEventId.startsWith(`${id}:`)).toBe(true);
      const second = await openEventStream(`${base()}/chat/${id}/stream`, { 'last-event-id': lastEventId });
      await second.waitForEnd(10_000);
      const all = [...seen, ...second.events()];
      expect(all.slice(0, -1).map((event) => event.data)).toEqual(names(20));
      expect(all.at(-1)).toMatchObject({ type: END, data: '{"state":"done"}' });
    });

    test('a second reader follows the same stream from the start', async () => {
      const id = newStream(tokens(10, 10).producer);
      const first = await post(id);
      await first.waitFor(() => first.events().length >= 2, '2 tokens');
      const second = await openEventStream(`${base()}/chat/${id}/stream`);
      await Promise.all([first.waitForEnd(10_000), second.waitForEnd(10_000)]);
      for (const reader of [first, second]) {
        expect(reader.events().map((event) => event.data)).toEqual([...names(10), '{"state":"done"}']);
      }
    });

    test('a plain EventSource follows to the terminal event', async () => {
      const id = newStream(tokens(5, 5).producer);
      await resumable.start(id, producers.get(id) as Producer);
      const source = new EventSource(`${base()}/chat/${id}/stream`);
      const data: string[] = [];
      source.onmessage = (event) => data.push(event.data);
      const end = await new Promise<string>((resolve) =>
        source.addEventListener(END, (event) => {
          source.close();
          resolve(event.data);
        }),
      );
      expect(data).toEqual(names(5));
      expect(JSON.parse(end)).toEqual({ state: 'done' });
    });

    test('@ssekit/client follows to the terminal event, and stops when its reconnect is answered 204', async () => {
      const id = newStream(tokens(5, 5).producer);
      await resumable.start(id, producers.get(id) as Producer);
      const states: string[] = [];
      const client = connect(`${base()}/chat/${id}/stream`, { parse: 'text', backoff: { initial: 50 } });
      client.onState(({ state }) => states.push(state));
      const received: Array<{ type: string; data: unknown }> = [];
      for await (const event of client) received.push({ type: event.type, data: event.data });
      expect(await client.done).toBeUndefined();
      expect(received).toEqual([
        ...names(5).map((data) => ({ type: 'message', data })),
        { type: END, data: '{"state":"done"}' },
      ]);
      // The server ended the response after the terminal event; the client's one reconnect, with the
      // terminal event's id, got 204 and closed it.
      expect(client.lastEventId.endsWith(':end')).toBe(true);
      expect(states.at(-1)).toBe('closed');
    });

    test('cancel from another request ends every reader with cancelled and aborts the producer', async () => {
      const { producer, seen } = tokens(10_000, 20);
      const id = newStream(producer);
      const first = await post(id);
      const second = await openEventStream(`${base()}/chat/${id}/stream`);
      await second.waitFor(() => second.events().length >= 2, '2 tokens');
      const cancelledAt = performance.now();
      const response = await fetch(`${base()}/chat/${id}/cancel`, { method: 'POST' });
      expect(response.status).toBe(200);
      expect(await response.json()).toEqual({ cancelled: true });
      await Promise.all([first.waitForEnd(5000), second.waitForEnd(5000)]);
      for (const reader of [first, second]) {
        expect(reader.events().at(-1)).toMatchObject({
          type: END,
          data: '{"state":"cancelled","reason":"request"}',
        });
      }
      // The same instance: the log tells the producer in the cancel request's own tick.
      expect((seen.abortedAt as number) - cancelledAt).toBeLessThan(3000);
      const again = await fetch(`${base()}/chat/${id}/cancel`, { method: 'POST' });
      expect(await again.json()).toEqual({ cancelled: false });
    });

    test('a client that leaves does not stop the producer', async () => {
      const { producer, seen } = tokens(8, 15);
      const id = newStream(producer);
      const first = await post(id);
      await first.waitFor(() => first.events().length >= 1, 'a token');
      await first.close();
      const later = await openEventStream(`${base()}/chat/${id}/stream`);
      await later.waitForEnd(10_000);
      expect(later.events().map((event) => event.data)).toEqual([...names(8), '{"state":"done"}']);
      expect(seen).toEqual({ finished: true });
    });

    test("leaves a start with an invalid stream id, or whose code throws, to the framework's error answer: no stream opens", async () => {
      for (const query of ['id=not%20valid', 'throw=1']) {
        const response = await fetch(`${base()}/chat?${query}`, { method: 'POST' });
        expect(response.status).toBeGreaterThanOrEqual(400);
        expect(response.headers.get('content-type') ?? '').not.toContain('text/event-stream');
        await response.body?.cancel();
      }
    });

    test('answers 404 for a stream that does not exist and 204 to a reader that has the end', async () => {
      const missing = await fetch(`${base()}/chat/nothing-here/stream`);
      expect(missing.status).toBe(404);
      expect(await missing.json()).toEqual({ error: 'gone', streamId: 'nothing-here' });
      const cancel = await fetch(`${base()}/chat/nothing-here/cancel`, { method: 'POST' });
      expect(cancel.status).toBe(404);
      await cancel.body?.cancel();
      const id = newStream(tokens(1, 1).producer);
      const reader = await post(id);
      await reader.waitForEnd(5000);
      const endId = reader.events().at(-1)?.lastEventId as string;
      expect(endId).toBe(`${reader.events()[0]?.lastEventId.replace(/:1$/, '')}:end`);
      const done = await fetch(`${base()}/chat/${id}/stream`, { headers: { 'last-event-id': endId } });
      expect(done.status).toBe(204);
    });
  });
}
