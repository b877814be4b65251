// What the client makes of the events it reads: Standard Schema validation per event (zod here), where
// an invalid event is reported and skipped, and the bound on one event's size. Through the Hono app's
// `app.request`, as the `fetch` option allows.
import { connect, type InvalidEvent } from '@ssekit/client';
import type { Channel } from '@ssekit/core';
import { waitFor } from '@ssekit/test-kit';
import { expect, it, onTestFinished, vi } from 'vitest';
import { z } from 'zod';
import { createState, honoApp, type TestEvents } from './servers.js';

/** A client of the Hono test app (in process) that checks each `tick` against a schema. */
function validatingClient() {
  const state = createState();
  const app = honoApp(state);
  const client = connect<TestEvents>('http://test/events', {
    fetch: async (request) => app.request(request),
    schemas: { tick: z.object({ n: z.number().int() }) },
  });
  return { state, client };
}

it('reports an event that fails its schema and delivers the next one', async () => {
  const { state, client } = validatingClient();
  const invalid: InvalidEvent[] = [];
  client.onInvalid((event) => invalid.push(event));
  await waitFor(() => state.channel.size === 1, 'the client joined');
  // A producer that bypasses the types (another service, an old version) sends a bad tick.
  await (state.channel as unknown as Channel).send({ n: 'one' }, { event: 'tick' });
  await state.channel.send({ n: 2 }, { event: 'tick' });
  const received: unknown[] = [];
  for await (const event of client) {
    received.push(event.data);
    break;
  }
  expect(received).toEqual([{ n: 2 }]);
  expect(invalid).toHaveLength(1);
  expect(invalid[0]).toMatchObject({ type: 'tick', data: '{"n":"one"}' });
  expect(invalid[0]?.issues).toMatchObject([{ path: ['n'] }]);
  // Breaking out of the loop closed the client, and the server saw it leave.
  expect(client.readyState).toBe('closed');
  await waitFor(() => state.channel.size === 0, 'the server saw the client leave');
});

it('calls each listener of a type until it is removed, and logs an invalid event nobody listens for', async () => {
  const { state, client } = validatingClient();
  const logged = vi.spyOn(console, 'error').mockImplementation(() => {});
  onTestFinished(() => logged.mockRestore());
  const first: number[] = [];
  const second: number[] = [];
  const removeFirst = client.on('tick', (event) => first.push(event.data.n));
  client.on('tick', (event) => second.push(event.data.n));
  const states: string[] = [];
  client.onState(({ state }) => states.push(state));
  await waitFor(() => state.channel.size === 1, 'the client joined');
  await state.channel.send({ n: 1 }, { event: 'tick' });
  await waitFor(() => second.length === 1, 'the first tick');
  removeFirst();
  await (state.channel as unknown as Channel).send({ n: 'two' }, { event: 'tick' });
  await state.channel.send({ n: 3 }, { event: 'tick' });
  await waitFor(() => second.length === 2, 'the third tick');
  client.close();
  expect(first).toEqual([1]);
  expect(second).toEqual([1, 3]);
  expect(states).toEqual(['open', 'closed']);
  expect(logged).toHaveBeenCalledTimes(1);
  expect(logged.mock.calls[0]).toMatchObject([
    'ssekit client: invalid event',
    { type: 'tick', data: '{"n":"two"}' },
  ]);
});

it('closes with a typed error on an event longer than maxEventBytes, and does not reconnect', async () => {
  const state = createState();
  const app = honoApp(state);
  const client = connect<TestEvents>('http://test/events', {
    fetch: async (request) => app.request(request),
    maxEventBytes: 1000,
    backoff: { initial: 1 },
  });
  await waitFor(() => state.channel.size === 1, 'the client joined');
  await state.channel.send('x'.repeat(5000), { event: 'note' });
  expect(await client.done).toMatchObject({ code: 'ERR_SSE_EVENT_TOO_LARGE', field: 'maxEventBytes' });
  await waitFor(() => state.channel.size === 0, 'the server saw the client leave');
  expect(state.hits.events).toBe(1);
});

it('resumes from an initial lastEventId through the query when a proxy drops the header', async () => {
  const state = createState();
  const app = honoApp(state);
  const client = connect<TestEvents>('http://test/events', {
    // A proxy on the way that strips Last-Event-ID.
    fetch: async (request) => {
      const headers = new Headers(request.headers);
      headers.delete('last-event-id');
      return app.request(new Request(request, { headers }));
    },
    lastEventId: 'from-an-earlier-visit',
    lastEventIdQuery: true,
  });
  // The server read the id from the query: the channel cannot replay an id it never issued.
  for await (const event of client) {
    expect(event).toMatchObject({
      type: 'gap',
      data: { lastEventId: 'from-an-earlier-visit', reason: 'epoch' },
    });
    break;
  }
  expect(state.lastEventIds).toEqual([null]);
});

it('takes a Request: its method, headers and body, and a POST is not sent again', async () => {
  const state = createState();
  const app = honoApp(state);
  const bodies: string[] = [];
  const client = connect<TestEvents>(
    new Request('http://test/chat', { method: 'POST', body: 'question', headers: { 'x-user': 'ada' } }),
    {
      fetch: async (request) => {
        bodies.push(`${request.method} ${request.headers.get('x-user')} ${await request.clone().text()}`);
        return app.request(request);
      },
      backoff: { initial: 1 },
    },
  );
  const notes: string[] = [];
  for await (const event of client) notes.push(event.data as string);
  expect(notes).toEqual(['first', 'second']);
  expect(await client.done).toBeUndefined();
  expect(bodies).toEqual(['POST ada question']);
});
