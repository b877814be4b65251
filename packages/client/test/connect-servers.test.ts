// connect() against real servers: ssekit's Express, Koa and Hono adapters and a bare node:http
// server, over real sockets. Each test body runs on every kind.
import { getEventListeners } from 'node:events';
import {
  type ClientEvent,
  connect,
  type PauseControl,
  type SSEClient,
  SSEResponseError,
  type StateChange,
} from '@ssekit/client';
import { until, waitFor } from '@ssekit/test-kit';
import { afterEach, describe, expect, it } from 'vitest';
import {
  type AppState,
  createState,
  type RunningApp,
  SERVER_KINDS,
  startApp,
  type TestEvents,
} from './servers.js';

/** Node's active timers: a client that left must not leave one behind. */
const timers = () => process.getActiveResourcesInfo().filter((name) => name === 'Timeout').length;

/** Collects what a client delivers through `for await`, until it ends. */
function drain<Events extends Record<string, unknown>>(client: SSEClient<Events>): ClientEvent<Events>[] {
  const events: ClientEvent<Events>[] = [];
  void (async () => {
    try {
      for await (const event of client) events.push(event);
    } catch {
      // The test reads the fatal error from `done`.
    }
  })();
  return events;
}

describe.each(SERVER_KINDS)('connect() against %s', (kind) => {
  let state: AppState;
  let app: RunningApp | undefined;
  const clients: SSEClient<never>[] = [];
  const open = <Events extends Record<string, unknown>>(client: SSEClient<Events>) => {
    clients.push(client as unknown as SSEClient<never>);
    return client;
  };
  afterEach(async () => {
    for (const client of clients.splice(0)) client.close();
    await app?.close();
    app = undefined;
  });
  const start = async (port = 0) => {
    app = await startApp(kind, state, port);
    return app;
  };

  it('delivers typed events to for await and to on(type), in order', async () => {
    state = createState();
    const { url } = await start();
    const client = open(connect<TestEvents>(`${url}/events`));
    const notes: string[] = [];
    client.on('note', (event) => notes.push(event.data));
    const events = drain(client);
    await waitFor(() => state.channel.size === 1 && client.readyState === 'open', 'the client joined');
    await state.channel.send({ n: 1 }, { event: 'tick' });
    await state.channel.send('hello', { event: 'note' });
    await waitFor(() => events.length === 2, 'two events');
    expect(events).toEqual([
      { type: 'tick', data: { n: 1 }, lastEventId: expect.any(String) },
      { type: 'note', data: 'hello', lastEventId: expect.any(String) },
    ]);
    expect(notes).toEqual(['hello']);
    expect(client.lastEventId).toBe(events[1]?.lastEventId);
  });

  it('resumes with Last-Event-ID after the server drops it: every missed event once', async () => {
    state = createState();
    const { url } = await start();
    const client = open(connect<TestEvents>(`${url}/events`, { backoff: { initial: 20 } }));
    const events = drain(client);
    await waitFor(() => state.channel.size === 1, 'the client joined');
    await state.channel.send({ n: 1 }, { event: 'tick' });
    await waitFor(() => events.length === 1, 'the first event');
    for (const stream of state.open) stream.close();
    await state.channel.send({ n: 2 }, { event: 'tick' });
    await state.channel.send({ n: 3 }, { event: 'tick' });
    await waitFor(() => events.length === 3, 'the missed events');
    expect(events.map((event) => event.data)).toEqual([{ n: 1 }, { n: 2 }, { n: 3 }]);
    expect(state.lastEventIds).toEqual([null, events[0]?.lastEventId]);
  });

  it('survives a server restart and reports the gap as a typed gap event', async () => {
    state = createState();
    const { url, port } = await start();
    const client = open(connect<TestEvents>(`${url}/events`, { backoff: { initial: 50, max: 200 } }));
    const gaps: unknown[] = [];
    client.on('gap', (event) => gaps.push(event.data));
    const events = drain(client);
    await waitFor(() => state.channel.size === 1, 'the client joined');
    await state.channel.send({ n: 1 }, { event: 'tick' });
    await waitFor(() => events.length === 1, 'the first event');
    const before = client.lastEventId;
    await app?.close();
    await until(() => (client.readyState === 'reconnecting' ? true : undefined), 'the client noticed');
    // A new process: a new channel whose history began after the client's last id.
    state = { ...createState(), hits: state.hits };
    await start(port);
    await waitFor(() => state.channel.size === 1, 'the client came back', 5000);
    await state.channel.send({ n: 2 }, { event: 'tick' });
    await waitFor(() => events.length === 3, 'the gap and the new event');
    expect(state.lastEventIds).toEqual([before]);
    expect(events[1]).toEqual({
      type: 'gap',
      data: { lastEventId: before, reason: 'epoch' },
      lastEventId: expect.any(String),
    });
    expect(gaps).toEqual([{ lastEventId: before, reason: 'epoch' }]);
    expect(events[2]).toMatchObject({ type: 'tick', data: { n: 2 } });
  });

  it('stops at a 401: a typed fatal error, one request, no retry loop', async () => {
    state = createState();
    const { url } = await start();
    const client = open(connect(`${url}/status?code=401`, { backoff: { initial: 1, max: 1 } }));
    let thrown: unknown;
    try {
      for await (const _ of client) expect.unreachable();
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(SSEResponseError);
    expect(thrown).toMatchObject({ code: 'ERR_SSE_HTTP_STATUS', status: 401, bodyExcerpt: 'status 401' });
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(state.hits.status).toBe(1);
  });

  it('retries a 503 after its Retry-After', async () => {
    state = createState();
    const { url } = await start();
    const started = Date.now();
    const client = open(connect(`${url}/status?code=503&retryAfter=1`, { maxAttempts: 2 }));
    expect(await client.done).toMatchObject({ code: 'ERR_SSE_RETRIES_EXHAUSTED', cause: { status: 503 } });
    expect(state.hits.status).toBe(2);
    expect(Date.now() - started).toBeGreaterThanOrEqual(1000);
  });

  it('refuses a 2xx that is not an event stream', async () => {
    state = createState();
    const { url } = await start();
    const error = await open(connect(`${url}/json`)).done;
    expect(error).toMatchObject({ code: 'ERR_SSE_NOT_EVENT_STREAM', status: 200, bodyExcerpt: '{"a":1}' });
    expect((error as SSEResponseError).headers.get('content-type')).toMatch(/^application\/json/);
  });

  it('sends fresh headers on every attempt', async () => {
    state = createState();
    const { url } = await start();
    let token = 0;
    const client = open(
      connect(`${url}/events`, {
        headers: async () => ({ authorization: `Bearer ${++token}` }),
        backoff: { initial: 10 },
      }),
    );
    await waitFor(() => state.channel.size === 1, 'the client joined');
    for (const stream of state.open) stream.close();
    await waitFor(() => state.authorizations.length === 2, 'the reconnection');
    expect(state.authorizations).toEqual(['Bearer 1', 'Bearer 2']);
    client.close();
  });

  it('does not send a POST again after the server ends its stream, unless it can resume or is told to', async () => {
    state = createState();
    const { url } = await start();
    const once = open(
      connect<TestEvents>(`${url}/chat`, { method: 'POST', body: { q: 1 }, backoff: { initial: 1 } }),
    );
    const events = drain(once);
    expect(await once.done).toBeUndefined();
    expect(events.map((event) => event.data)).toEqual(['first', 'second']);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(state.hits.chat).toBe(1);

    const replayed = open(
      connect(`${url}/chat`, { method: 'POST', body: () => 'x', replay: true, backoff: { initial: 1 } }),
    );
    await waitFor(() => (state.hits.chat ?? 0) >= 3, 'the opted-in replay');
    replayed.close();
    const before = state.hits.chat ?? 0;
    const resumable = open(
      connect(`${url}/chat`, { method: 'POST', lastEventId: '7', backoff: { initial: 1 } }),
    );
    await waitFor(() => (state.hits.chat ?? 0) >= before + 2, 'the resumable replay');
    resumable.close();
  });

  it('pauses and resumes through a custom pause option, and stops it on close', async () => {
    state = createState();
    const { url } = await start();
    let control: PauseControl | undefined;
    let stopped = 0;
    const client = open(
      connect<TestEvents>(`${url}/events`, {
        pause: (given) => {
          control = given;
          return () => stopped++;
        },
      }),
    );
    const states: StateChange[] = [];
    client.onState((change) => states.push(change));
    const events = drain(client);
    await waitFor(() => state.channel.size === 1, 'the client joined');
    await state.channel.send({ n: 1 }, { event: 'tick' });
    await waitFor(() => events.length === 1, 'the first event');

    control?.pause();
    await waitFor(() => state.open.size === 0, 'the server saw the paused client leave');
    expect(states.at(-1)).toEqual({ state: 'reconnecting', paused: true });
    await state.channel.send({ n: 2 }, { event: 'tick' });
    control?.resume();
    await waitFor(() => events.length === 2, 'the event missed while paused');
    expect(events.map((event) => event.data)).toEqual([{ n: 1 }, { n: 2 }]);
    expect(state.lastEventIds).toEqual([null, events[0]?.lastEventId]);

    expect(stopped).toBe(0);
    client.close();
    expect(stopped).toBe(1);
  });

  it('leaves nothing behind when aborted mid-stream: no stream, timer or listener', async () => {
    state = createState();
    const { url } = await start();
    const baseline = timers();
    const controller = new AbortController();
    const client = open(
      connect<TestEvents>(`${url}/events`, { signal: controller.signal, stallTimeout: 5000 }),
    );
    const events = drain(client);
    await waitFor(() => state.channel.size === 1, 'the client joined');
    await state.channel.send({ n: 1 }, { event: 'tick' });
    await waitFor(() => events.length === 1, 'an event');
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(1);
    controller.abort();
    expect(await client.done).toBeUndefined();
    expect(client.readyState).toBe('closed');
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
    await waitFor(() => state.open.size === 0 && state.channel.size === 0, 'the server saw the client leave');
    await waitFor(() => timers() <= baseline, 'timers back to the baseline');
  });
});
