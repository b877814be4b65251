// The EventSource-compatible class: the standard surface (onopen, onmessage, onerror,
// addEventListener, readyState, close) and the init extensions, against a node:http server.
import { EventSource } from '@ssekit/client';
import { waitFor } from '@ssekit/test-kit';
import { afterEach, expect, it } from 'vitest';
import { type AppState, createState, type RunningApp, startApp } from './servers.js';

let state: AppState;
let app: RunningApp;
const sources: EventSource[] = [];
afterEach(async () => {
  for (const source of sources.splice(0)) source.close();
  await app?.close();
});

async function open(path: string, init?: ConstructorParameters<typeof EventSource>[1]): Promise<EventSource> {
  state = createState();
  app = await startApp('node:http', state);
  const source = new EventSource(`${app.url}${path}`, init);
  sources.push(source);
  return source;
}

it('opens, dispatches named and unnamed events as MessageEvents, and closes without an error', async () => {
  const source = await open('/events', { headers: { authorization: 'Bearer t' } });
  expect(source.readyState).toBe(EventSource.CONNECTING);
  const seen: string[] = [];
  source.onopen = () => seen.push('open');
  source.onmessage = (event) => seen.push(`message ${event.data}`);
  source.onerror = () => seen.push('error');
  source.addEventListener('tick', (event) => {
    const { data, lastEventId, origin } = event as MessageEvent;
    seen.push(`tick ${data} ${lastEventId === '' ? 'no id' : 'id'} ${origin === new URL(app.url).origin}`);
  });
  await waitFor(() => source.readyState === EventSource.OPEN && state.channel.size === 1, 'open');
  await state.channel.send({ n: 1 }, { event: 'tick' });
  await (state.channel as unknown as { send(data: string): Promise<unknown> }).send('plain');
  await waitFor(() => seen.length === 3, 'the events');
  source.close();
  expect(source.readyState).toBe(EventSource.CLOSED);
  await waitFor(() => state.channel.size === 0, 'the server saw it leave');
  expect(seen).toEqual(['open', 'tick {"n":1} id true', 'message plain']);
  expect(state.authorizations).toEqual(['Bearer t']);
});

it('fires error with readyState CLOSED on a 401, and does not retry', async () => {
  const source = await open('/status?code=401');
  const states: number[] = [];
  source.onerror = () => states.push(source.readyState);
  await waitFor(() => states.length === 1, 'the error');
  expect(states).toEqual([EventSource.CLOSED]);
  expect(state.hits.status).toBe(1);
});

it('fires error with readyState CONNECTING when the server ends the stream, then reopens', async () => {
  const source = await open('/events', { backoff: { initial: 10 } });
  const seen: string[] = [];
  source.onopen = () => seen.push('open');
  source.onerror = () => seen.push(`error ${source.readyState}`);
  await waitFor(() => state.channel.size === 1, 'open');
  for (const stream of state.open) stream.close();
  await waitFor(() => seen.length === 3, 'the reconnection');
  expect(seen).toEqual(['open', `error ${EventSource.CONNECTING}`, 'open']);
});
