import { describe, expect, it, vi } from 'vitest';
import { SSEFieldError } from '../src/errors.js';
import { openSSEStream } from '../src/stream.js';
import { webStreamTransport } from '../src/transports/web-stream.js';
import { readToEnd } from './read-to-end.js';

const decoder = new TextDecoder();

function openWeb(highWaterMark?: number) {
  const transport = webStreamTransport(highWaterMark === undefined ? {} : { highWaterMark });
  const stream = openSSEStream({ transport, connectionHeader: false }, { heartbeat: false });
  const reader = transport.response().body!.getReader();
  return { stream, reader };
}

/** Lets pending promise callbacks and stream pulls run. */
const settle = () => new Promise((resolve) => setTimeout(resolve, 5));

/** Resolves `true` if `promise` settles within a short while, `false` if it is still pending. */
async function settlesSoon(promise: Promise<unknown>): Promise<boolean> {
  let settled = false;
  promise.then(
    () => {
      settled = true;
    },
    () => {
      settled = true;
    },
  );
  await settle();
  return settled;
}

describe('SSEStream.pipe', () => {
  it('sends every item of an async generator as an event, serializing non-strings', async () => {
    const { stream, reader } = openWeb();
    async function* source() {
      yield 'first';
      yield { n: 2 };
      yield [3];
    }
    await expect(stream.pipe(source())).resolves.toBeUndefined();
    // Piping does not end the response: the stream stays open for more.
    expect(stream.closed).toBe(false);
    stream.close();
    expect(await readToEnd(reader)).toBe('data: first\n\ndata: {"n":2}\n\ndata: [3]\n\n');
  });

  it('sends every item of a sync iterable', async () => {
    const { stream, reader } = openWeb();
    await stream.pipe(new Set(['a', 'b']));
    await stream.pipe([1, 2]);
    stream.close();
    expect(await readToEnd(reader)).toBe('data: a\n\ndata: b\n\ndata: 1\n\ndata: 2\n\n');
  });

  it('sends every chunk of a ReadableStream', async () => {
    const { stream, reader } = openWeb();
    const source = new ReadableStream<unknown>({
      start(controller) {
        controller.enqueue('x');
        controller.enqueue({ y: true });
        controller.close();
      },
    });
    await stream.pipe(source);
    stream.close();
    expect(await readToEnd(reader)).toBe('data: x\n\ndata: {"y":true}\n\n');
  });

  it('applies the send options to every item', async () => {
    const { stream, reader } = openWeb();
    await stream.pipe(['a', 'b'], { event: 'row' });
    stream.close();
    expect(await readToEnd(reader)).toBe('event: row\ndata: a\n\nevent: row\ndata: b\n\n');
  });

  it('waits for a slow client before taking the next item', async () => {
    // A 1-byte body buffer: every event fills it, so each send waits for the client to read.
    const { stream, reader } = openWeb(1);
    const pulled: number[] = [];
    async function* source() {
      for (let i = 0; i < 3; i++) {
        pulled.push(i);
        yield `item ${i}`;
      }
    }
    const piping = stream.pipe(source());
    await settle();
    expect(pulled).toEqual([0]);
    expect(decoder.decode((await reader.read()).value)).toBe('data: item 0\n\n');
    await settle();
    expect(pulled).toEqual([0, 1]);
    expect(decoder.decode((await reader.read()).value)).toBe('data: item 1\n\n');
    expect(decoder.decode((await reader.read()).value)).toBe('data: item 2\n\n');
    await piping;
    stream.close();
  });

  it('stops and runs the generator cleanup when the client leaves while a send waits', async () => {
    const { stream, reader } = openWeb(1);
    let produced = 0;
    let cleanedUp = false;
    async function* source() {
      try {
        for (;;) yield `item ${produced++}`;
      } finally {
        cleanedUp = true;
      }
    }
    const piping = stream.pipe(source());
    await settle();
    await reader.cancel();
    await expect(piping).resolves.toBeUndefined();
    expect(stream.closeReason).toBe('client');
    expect(cleanedUp).toBe(true);
    expect(produced).toBe(1);
  });

  it('calls the iterator return at once when the stream closes while the source waits for its next item', async () => {
    const { stream } = openWeb();
    const returned = vi.fn();
    let wake: ((result: IteratorResult<string>) => void) | undefined;
    // A hand-written iterator like the ones events.on or a message queue hands out: its return
    // unblocks a pending next.
    const source: AsyncIterable<string> = {
      [Symbol.asyncIterator]: () => ({
        next: () =>
          new Promise<IteratorResult<string>>((resolve) => {
            wake = resolve;
          }),
        return: async () => {
          returned();
          wake?.({ done: true, value: undefined });
          return { done: true, value: undefined };
        },
      }),
    };
    const piping = stream.pipe(source);
    await settle();
    expect(returned).not.toHaveBeenCalled();
    stream.close();
    expect(returned).toHaveBeenCalledTimes(1);
    await expect(piping).resolves.toBeUndefined();
  });

  it('resolves when the stream closes even if an async generator never yields again', async () => {
    const { stream } = openWeb();
    async function* source() {
      yield 'only';
      // An async generator cannot be interrupted while it awaits; the pipe must not wait with it.
      await new Promise(() => {});
    }
    const piping = stream.pipe(source());
    await settle();
    stream.close();
    expect(await settlesSoon(piping)).toBe(true);
    await expect(piping).resolves.toBeUndefined();
  });

  it('cancels a ReadableStream source when the stream closes while it has nothing to give', async () => {
    const { stream, reader } = openWeb();
    const cancel = vi.fn();
    const source = new ReadableStream<string>({
      start(controller) {
        controller.enqueue('one');
      },
      cancel,
    });
    const piping = stream.pipe(source);
    await settle();
    await reader.cancel();
    await expect(piping).resolves.toBeUndefined();
    expect(cancel).toHaveBeenCalledTimes(1);
  });

  it('does not read a source at all when the stream is already closed', async () => {
    const { stream } = openWeb();
    stream.close();
    const next = vi.fn();
    let cleanedUp = false;
    const source: Iterable<string> = {
      [Symbol.iterator]: () => ({
        next,
        return: () => {
          cleanedUp = true;
          return { done: true, value: undefined };
        },
      }),
    };
    await stream.pipe(source);
    expect(next).not.toHaveBeenCalled();
    expect(cleanedUp).toBe(true);
  });

  it('rejects with the error the source throws, keeping the events sent before it', async () => {
    const { stream, reader } = openWeb();
    async function* source() {
      yield 'before';
      throw new Error('source failed');
    }
    await expect(stream.pipe(source())).rejects.toThrow('source failed');
    expect(stream.closed).toBe(false);
    stream.close();
    expect(await readToEnd(reader)).toBe('data: before\n\n');
  });

  it('rejects with SSEFieldError for an item that cannot be encoded, and releases the source', async () => {
    const { stream, reader } = openWeb();
    let cleanedUp = false;
    function* source() {
      try {
        yield 'ok';
        yield 10n;
        yield 'never';
      } finally {
        cleanedUp = true;
      }
    }
    await expect(stream.pipe(source())).rejects.toThrowError(
      expect.objectContaining({ name: 'SSEFieldError', code: 'ERR_SSE_UNSERIALIZABLE_DATA', field: 'data' }),
    );
    await expect(stream.pipe([10n])).rejects.toBeInstanceOf(SSEFieldError);
    expect(cleanedUp).toBe(true);
    stream.close();
    expect(await readToEnd(reader)).toBe('data: ok\n\n');
  });
});
