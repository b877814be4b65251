import { connect as connectSocket } from 'node:net';
import {
  createResumable,
  memoryLog,
  type Producer,
  type Resumable,
  type ResumableLog,
  type ResumableOptions,
} from '@ssekit/core';
import { connect, until, waitFor } from '@ssekit/test-kit';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { type ResumableServer, serveResumable } from './serve.js';

/** The memory log, counting its watchers: every reader and producer watches while it runs. */
function countingLog(): { log: ResumableLog; watching: () => number } {
  const log = memoryLog();
  let watching = 0;
  return {
    log: {
      ...log,
      watch(id, listener) {
        watching++;
        const stop = log.watch(id, listener);
        let stopped = false;
        return () => {
          if (!stopped) watching--;
          stopped = true;
          stop();
        };
      },
    },
    watching: () => watching,
  };
}

const open: Array<{ close(): Promise<unknown> }> = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((item) => item.close()));
  vi.restoreAllMocks();
});

async function setUp(options: ResumableOptions = {}, sseOptions = {}) {
  const producers = new Map<string, Producer>();
  const resumable: Resumable = createResumable(options);
  const server: ResumableServer = await serveResumable(
    resumable,
    (url) => {
      const streamId = new URL(url, 'http://localhost').searchParams.get('id') ?? '';
      return { streamId, producer: producers.get(streamId) ?? (() => {}) };
    },
    sseOptions,
  );
  open.push(server, resumable);
  const post = (id: string) => connect(`${server.url}/chat?id=${id}`, {}, 'POST');
  const follow = (id: string, lastEventId?: string) =>
    connect(
      `${server.url}/chat/${id}/stream`,
      lastEventId === undefined ? {} : { 'last-event-id': lastEventId },
    );
  return { producers, resumable, server, post, follow };
}

const datas = (events: Array<{ data: string }>) => events.map((event) => event.data);

describe('createResumable', () => {
  it('refuses a stream id that cannot sit in a URL path and an event id, before creating anything', async () => {
    const resumable = createResumable();
    open.push(resumable);
    for (const streamId of ['', 'a b', 'a:b', 'x'.repeat(201), 'line\nbreak']) {
      await expect(resumable.start(streamId, () => {})).rejects.toMatchObject({
        name: 'SSEFieldError',
        code: 'ERR_SSE_INVALID_STREAM_ID',
        field: 'streamId',
        value: streamId,
      });
    }
    expect(await resumable.cancel('a b')).toBe('gone');
  });

  it('refuses an option out of range when it is created', () => {
    expect(() => createResumable({ maxEvents: 0 })).toThrow(
      expect.objectContaining({ name: 'SSERangeError', code: 'ERR_SSE_INVALID_OPTION', field: 'maxEvents' }),
    );
    expect(() => createResumable({ ttl: 2 ** 31 })).toThrow(expect.objectContaining({ field: 'ttl' }));
    expect(() => createResumable({ endEvent: 'a\nb' })).toThrow(
      expect.objectContaining({ code: 'ERR_SSE_NEWLINE_IN_FIELD', field: 'event' }),
    );
  });

  it('starts no second producer for a second POST with the same id: it follows the first', async () => {
    const { producers, post } = await setUp();
    let runs = 0;
    let release!: () => void;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    producers.set('once', async ({ send }) => {
      runs++;
      await send('a');
      await gate;
      await send('b');
    });
    const first = await post('once');
    expect(await first.next()).toMatchObject({ data: 'a' });
    const second = await post('once');
    expect(second.response.status).toBe(200);
    release();
    expect(datas(await second.rest())).toEqual(['a', 'b', '{"state":"done"}']);
    expect(datas(await first.rest())).toEqual(['b', '{"state":"done"}']);
    expect(runs).toBe(1);
  });

  it('sends the items of an iterable the producer returns, async or not (a string is one value, not its characters)', async () => {
    const { producers, post } = await setUp();
    producers.set('async', async function* () {
      yield 'a1';
      yield { n: 2 };
    });
    producers.set('sync', function* () {
      yield 's1';
      yield 's2';
    });
    producers.set('array', () => ['x', 'y']);
    producers.set('text', () => 'not a list');
    expect(datas(await (await post('async')).rest())).toEqual(['a1', '{"n":2}', '{"state":"done"}']);
    expect(datas(await (await post('sync')).rest())).toEqual(['s1', 's2', '{"state":"done"}']);
    expect(datas(await (await post('array')).rest())).toEqual(['x', 'y', '{"state":"done"}']);
    expect(datas(await (await post('text')).rest())).toEqual(['{"state":"done"}']);
  });

  it('ends readers with error when the producer throws, reports it, and keeps serving', async () => {
    const onError = vi.fn(() => {
      throw new Error('onError fails too');
    });
    const logged = vi.spyOn(console, 'error').mockImplementation(() => {});
    const { producers, post } = await setUp({ onError });
    producers.set('boom', async ({ send }) => {
      await send('partial');
      throw new Error('model exploded: secret detail');
    });
    const reader = await post('boom');
    const events = await reader.rest();
    expect(datas(events)).toEqual(['partial', '{"state":"error","message":"The producer failed."}']);
    expect(events.at(-1)?.type).toBe('ssekit-end');
    expect(onError).toHaveBeenCalledWith(
      expect.objectContaining({ message: 'model exploded: secret detail' }),
      'boom',
    );
    expect(logged).toHaveBeenCalledWith('[@ssekit/core] a resumable onError failed.', expect.any(Error));
    producers.set('after', ({ send }) => send('still here'));
    expect(datas(await (await post('after')).rest())).toEqual(['still here', '{"state":"done"}']);
  });

  it('gives a reader asking for trimmed events the gap event, then the events still kept', async () => {
    const { producers, post, follow } = await setUp({ maxEvents: 5 });
    producers.set('long', async ({ send }) => {
      for (let i = 0; i < 20; i++) await send(`t${i}`);
    });
    const first = await post('long');
    const firstEvents = await first.rest();
    const streamPrefix = (firstEvents[0]?.lastEventId ?? '').replace(/:\d+$/, '');
    const late = await follow('long', `${streamPrefix}:3`);
    const events = await late.rest();
    expect(events[0]).toMatchObject({
      type: 'ssekit-gap',
      lastEventId: `${streamPrefix}:15`,
      data: JSON.stringify({ lastEventId: `${streamPrefix}:3`, reason: 'expired' }),
    });
    expect(datas(events.slice(1))).toEqual(['t15', 't16', 't17', 't18', 't19', '{"state":"done"}']);
  });

  it('gives a reader whose id is ahead of the stream the gap event, then what follows the newest event', async () => {
    const { producers, post, follow } = await setUp();
    let release!: () => void;
    producers.set('ahead', async ({ send }) => {
      await send('a');
      await new Promise<void>((resolve) => {
        release = resolve;
      });
      await send('b');
    });
    const first = await post('ahead');
    const prefix = ((await first.next())?.lastEventId ?? '').replace(/:\d+$/, '');
    const forged = await follow('ahead', `${prefix}:999`);
    expect(await forged.next()).toMatchObject({
      type: 'ssekit-gap',
      lastEventId: `${prefix}:1`,
      data: JSON.stringify({ lastEventId: `${prefix}:999`, reason: 'unknown' }),
    });
    release();
    expect(datas(await forged.rest())).toEqual(['b', '{"state":"done"}']);
  });

  it('answers 404 once a finished stream has passed its TTL', async () => {
    // Long enough to read the finished stream once more on a loaded machine, short enough to wait out.
    const { producers, post, server } = await setUp({ ttl: 3000 });
    producers.set('brief', ({ send }) => send('x'));
    await (await post('brief')).rest();
    const ended = performance.now();
    const within = await fetch(`${server.url}/chat/brief/stream`);
    if (performance.now() - ended < 3000) expect(within.status).toBe(200);
    await within.body?.cancel();
    await until(
      async () => ((await fetch(`${server.url}/chat/brief/stream`)).status === 404 ? true : undefined),
      'the stream to be gone',
      10_000,
      100,
    );
  });

  it('gives a reader joining as the stream completes the whole log and the terminal state', async () => {
    const { producers, resumable, follow } = await setUp();
    for (let round = 0; round < 20; round++) {
      const id = `race-${round}`;
      producers.set(id, ({ send }) => {
        for (let i = 0; i < 3; i++) void send(`t${i}`);
      });
      const [, reader] = await Promise.all([resumable.start(id, producers.get(id) as Producer), follow(id)]);
      expect(datas(await reader.rest())).toEqual(['t0', 't1', 't2', '{"state":"done"}']);
    }
  });

  it('cancels a producer that reaches maxDuration, and tells its readers', async () => {
    const { producers, post } = await setUp({ maxDuration: 200 });
    let aborted = false;
    producers.set('forever', ({ send, signal }) => {
      void send('begun');
      return new Promise<void>((resolve) =>
        signal.addEventListener('abort', () => {
          aborted = true;
          resolve();
        }),
      );
    });
    const events = await (await post('forever')).rest();
    expect(datas(events)).toEqual(['begun', '{"state":"cancelled","reason":"max-duration"}']);
    expect(aborted).toBe(true);
  });

  it('ends with error a stream whose producing instance died, once past maxDuration and producerLostAfter', async () => {
    const log = memoryLog();
    const { follow } = await setUp({ log, maxDuration: 100, producerLostAfter: 100 });
    // Created by an instance that then died: no producer runs, nobody else will end it.
    const { generation } = await log.create('orphan', {
      maxEvents: 10,
      maxBytes: 1024,
      ttl: 60_000,
      maxDuration: 100,
    });
    await log.append('orphan', generation, { data: 'before the crash' });
    const reader = await follow('orphan');
    expect(datas(await reader.rest())).toEqual([
      'before the crash',
      '{"state":"error","message":"The producer stopped answering."}',
    ]);
  });

  it('lets go of the watcher of a reader that leaves, while the producer goes on', async () => {
    const counting = countingLog();
    const { producers, post, follow } = await setUp({ log: counting.log });
    let release!: () => void;
    producers.set('slow', async ({ send }) => {
      await send('a');
      await new Promise<void>((resolve) => {
        release = resolve;
      });
      await send('b');
    });
    const first = await post('slow');
    await first.next();
    const readers = [first, await follow('slow'), await follow('slow')];
    // The producer's watcher and one per reader.
    await waitFor(() => counting.watching() === 4, 'four watchers');
    for (const reader of readers) reader.leave();
    await waitFor(() => counting.watching() === 1, 'only the producer watching');
    release();
    await waitFor(() => counting.watching() === 0, 'nothing watching');
  });

  it('drops a reader that never reads at its buffer bound, while others follow to the end', async () => {
    const counting = countingLog();
    const { producers, resumable, follow, server } = await setUp(
      { log: counting.log, maxBytes: 64 * 1024 * 1024 },
      { maxBufferedBytes: 64 * 1024 },
    );
    let release!: () => void;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const chunk = 'x'.repeat(1024);
    let produced = false;
    producers.set('flood', async ({ send }) => {
      await gate;
      for (let i = 0; i < 16_000; i++) {
        await send(chunk);
        // Like a model's tokens: the reader follows live, a few events per read.
        if (i % 8 === 7) await new Promise((resolve) => setImmediate(resolve));
      }
      produced = true;
    });
    await resumable.start('flood', producers.get('flood') as Producer);
    const { port } = new URL(server.url);
    const hostile = connectSocket(Number(port), '127.0.0.1');
    open.push({ close: async () => hostile.destroy() });
    hostile.write('GET /chat/flood/stream HTTP/1.1\r\nhost: x\r\n\r\n');
    // It reads nothing from here on; the kernel's buffers fill, then the stream's.
    hostile.pause();
    const good = await follow('flood');
    await waitFor(() => counting.watching() === 3, 'the producer and both readers watching');
    release();
    const events = good.rest();
    // The hostile reader is dropped (its watcher goes) while the producer is still writing.
    await waitFor(() => counting.watching() === 2, 'the hostile reader dropped', 30_000);
    expect(produced).toBe(false);
    expect(await events).toHaveLength(16_001);
  }, 60_000);
});
