// Resumable streams across instances: two server processes (test/fixtures/resumable-instance.mjs)
// sharing one Redis through redisResumableLog, real HTTP, core's spec parser as the client.
import { type ParsedEvent, parseEventStream } from '@ssekit/core';
import { type ChildServer, ensureBuilt, startInstances, until, waitFor } from '@ssekit/test-kit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect, type SSEClient } from './client.js';
import { packageRoot, type RedisServer, redisAvailable, startRedisServer } from './redis-server.js';

const describeRedis = redisAvailable() ? describe : describe.skip;

type ProducerState = { sent: number; abortedAt: number | null; failed: string | null } | null;

/** A POST that starts a stream, read as an event stream until `stopAfter` events, then left. */
async function startAndLeave(url: string, stopAfter: number): Promise<ParsedEvent[]> {
  const abort = new AbortController();
  const response = await fetch(url, { method: 'POST', signal: abort.signal });
  expect(response.status).toBe(200);
  const events: ParsedEvent[] = [];
  for await (const event of parseEventStream(response.body as ReadableStream<Uint8Array>)) {
    events.push(event);
    if (events.length === stopAfter) break;
  }
  abort.abort();
  return events;
}

const tokens = (events: readonly ParsedEvent[]) =>
  events.filter((e) => e.type === 'token').map((e) => e.data);
const endOf = (events: readonly ParsedEvent[]) => {
  const end = events.find((e) => e.type === 'ssekit-end');
  return end && JSON.parse(end.data);
};
const count = (n: number) => Array.from({ length: n }, (_, i) => `t${i + 1}`);

describeRedis('resumable streams across two instances sharing Redis (separate processes, real HTTP)', () => {
  let redis: RedisServer;
  let a: ChildServer;
  let b: ChildServer;
  let streams = 0;
  const newId = () => `chat-${process.pid}-${++streams}`;
  const clients: SSEClient[] = [];

  async function follow(on: ChildServer, id: string, lastEventId?: string): Promise<SSEClient> {
    const client = await connect(`${on.url}/chat/${id}/stream`, lastEventId);
    clients.push(client);
    return client;
  }
  const producerOn = async (on: ChildServer, id: string): Promise<ProducerState> =>
    (await fetch(`${on.url}/producer/${id}`)).json();

  beforeAll(async () => {
    ensureBuilt(['core', 'redis']);
    redis = await startRedisServer();
    const env = { REDIS_URL: redis.url, PREFIX: `test:http:${process.pid}:`, TTL_MS: '1500' };
    [a, b] = (await startInstances(2, packageRoot, env, 'test/fixtures/resumable-instance.mjs')) as [
      ChildServer,
      ChildServer,
    ];
  }, 60_000);
  afterAll(async () => {
    await Promise.all(clients.map((client) => client.close()));
    // Each instance exits by itself once its log and server are closed: nothing left open.
    await Promise.all([a?.shutdown(), b?.shutdown()]);
    await redis?.stop();
  });

  it('a reader resuming on B gets, exactly once and in order, what the producer on A writes after its client left', async () => {
    const id = newId();
    const seen = await startAndLeave(`${a.url}/chat/${id}?count=30&interval=15`, 5);
    expect(tokens(seen)).toEqual(count(5));
    const last = seen.at(-1)?.lastEventId;
    // The producer goes on without its client.
    await until(
      async () => ((await producerOn(a, id))?.sent ?? 0) > 8 || undefined,
      'the producer to go on',
      5_000,
    );
    const resumed = await follow(b, id, last);
    await resumed.waitFor(() => resumed.ended, 10_000);
    expect(tokens(resumed.events)).toEqual(count(30).slice(5));
    expect(endOf(resumed.events)).toEqual({ state: 'done' });
    // Event ids are positions in the log: consecutive, and a second reader from the start gets them all.
    const seqs = resumed.events
      .filter((e) => e.type === 'token')
      .map((e) => Number(e.lastEventId.split(':')[2]));
    expect(seqs).toEqual(Array.from({ length: 25 }, (_, i) => i + 6));
    const whole = await follow(b, id);
    await whole.waitFor(() => whole.ended, 5_000);
    expect(tokens(whole.events)).toEqual(count(30));
  });

  it('a cancel sent to B stops the producer on A within a bounded time; every reader gets cancelled', async () => {
    const latencies: number[] = [];
    for (let round = 0; round < 5; round++) {
      const id = newId();
      const seen = await startAndLeave(`${a.url}/chat/${id}?count=100000&interval=5`, 2);
      const readers = await Promise.all([follow(a, id, seen.at(-1)?.lastEventId), follow(b, id)]);
      const sentAt = Date.now();
      const answer = await fetch(`${b.url}/chat/${id}/cancel`, { method: 'POST' });
      expect(await answer.json()).toEqual({ cancelled: true });
      const state = await until(async () => {
        const current = await producerOn(a, id);
        return current?.abortedAt ? current : undefined;
      }, 'the producer on A to be aborted');
      latencies.push((state?.abortedAt as number) - sentAt);
      for (const reader of readers) {
        await reader.waitFor(() => reader.ended, 5_000);
        expect(endOf(reader.events)).toEqual({ state: 'cancelled', reason: 'request' });
      }
      // Nothing is written after the end: the producer stopped.
      const sent = (await producerOn(a, id))?.sent;
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect((await producerOn(a, id))?.sent).toBe(sent);
    }
    latencies.sort((x, y) => x - y);
    console.log(`cancel on B → producer on A aborted: ${latencies.join(', ')} ms (HTTP request included)`);
    expect(latencies.at(-1)).toBeLessThan(1_000);
  });

  it('a reader joining on B as the stream completes on A gets the whole log and the end, never nothing', async () => {
    let joinedRounds = 0;
    for (let round = 0; round < 10; round++) {
      const id = newId();
      const started = fetch(`${a.url}/chat/${id}?count=5&interval=0`, { method: 'POST' });
      // Join at once, or a little later: before, during or after the completion.
      await new Promise((resolve) => setTimeout(resolve, round % 3));
      const joined = await fetch(`${b.url}/chat/${id}/stream`, { headers: { accept: 'text/event-stream' } });
      await (await started).body?.cancel();
      if (joined.status === 404) {
        // Only if B looked before A created it: then a retry finds it.
        await joined.body?.cancel();
        continue;
      }
      const events: ParsedEvent[] = [];
      for await (const event of parseEventStream(joined.body as ReadableStream<Uint8Array>))
        events.push(event);
      expect(tokens(events)).toEqual(count(5));
      expect(endOf(events)).toEqual({ state: 'done' });
      joinedRounds++;
    }
    expect(joinedRounds).toBeGreaterThan(0);
  });

  it('after its TTL a finished stream answers 404 {"error":"gone"} on every instance', async () => {
    const id = newId();
    const seen = await startAndLeave(`${a.url}/chat/${id}?count=3&interval=0`, 4);
    expect(endOf(seen)).toEqual({ state: 'done' });
    const onB = await fetch(`${b.url}/chat/${id}/stream`);
    expect(onB.status).toBe(200);
    await onB.body?.cancel();
    await waitFor(
      async () => (await fetch(`${b.url}/chat/${id}/stream`)).status === 404,
      'the TTL to pass',
      6_000,
    );
    const gone = await fetch(`${a.url}/chat/${id}/stream`);
    expect(gone.status).toBe(404);
    expect(await gone.json()).toEqual({ error: 'gone', streamId: id });
  });

  it('when Redis restarts empty mid-stream, a reader gets no event twice or out of order, then the gone answer', async () => {
    const id = newId();
    await startAndLeave(`${a.url}/chat/${id}?count=100000&interval=10`, 1);
    const reader = await follow(b, id);
    await reader.waitFor(() => tokens(reader.events).length >= 5, 5_000);
    await redis.stop();
    await redis.start();
    // The reader's stream ends (its read failed); it resumes from its last id and finds no stream.
    await reader.waitFor(() => reader.ended, 10_000);
    const got = tokens(reader.events);
    expect(got).toEqual(count(got.length));
    const lastEventId = reader.events.filter((e) => e.type === 'token').at(-1)?.lastEventId as string;
    await waitFor(
      async () =>
        (await fetch(`${b.url}/chat/${id}/stream`, { headers: { 'last-event-id': lastEventId } })).status ===
        404,
      'the resume to answer gone',
      10_000,
    );
    // The producer on A learnt that its events can no longer be stored, and stopped.
    const state = await until(
      async () => {
        const current = await producerOn(a, id);
        return current?.failed || current?.abortedAt ? current : undefined;
      },
      'the producer to stop',
      10_000,
    );
    expect(state?.sent).toBeLessThan(100000);
  });
});
