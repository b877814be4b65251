/** The side of a stream `pipeToStream` watches: whether it is closed, and when it closes. */
export interface PipeTarget {
  readonly closed: boolean;
  onClose(listener: () => void): () => void;
}

/** What `SSEStream.pipe` reads from: an async (or sync) iterable or a web ReadableStream. */
export type PipeSource<T> = AsyncIterable<T> | Iterable<T> | ReadableStream<T>;

function iteratorOf<T>(source: PipeSource<T>): AsyncIterator<T> | Iterator<T> {
  if (typeof (source as ReadableStream<T>).getReader === 'function') {
    const reader = (source as ReadableStream<T>).getReader();
    return {
      next: () => reader.read() as Promise<IteratorResult<T>>,
      return: async () => {
        await reader.cancel();
        return { done: true, value: undefined };
      },
    };
  }
  if (Symbol.asyncIterator in source) return (source as AsyncIterable<T>)[Symbol.asyncIterator]();
  return (source as Iterable<T>)[Symbol.iterator]();
}

const STOPPED = Symbol('stopped');

/**
 * Passes each item of `source` to `send`, waiting for it between items, and releases the source
 * (its iterator's `return`, or the reader's `cancel`) as soon as `stream` closes.
 */
export async function pipeToStream<T>(
  stream: PipeTarget,
  source: PipeSource<T>,
  send: (item: T) => Promise<boolean>,
): Promise<void> {
  const iterator = iteratorOf(source);
  let released = false;
  let stop!: () => void;
  // Settles when the stream closes. An async generator blocked in an `await` cannot be interrupted:
  // its `return` waits until it yields again, which may be never, so the pipe stops waiting for it.
  const stopped = new Promise<typeof STOPPED>((resolve) => {
    stop = () => resolve(STOPPED);
  });
  const release = () => {
    if (released) return;
    released = true;
    stop();
    // A source that is blocked waiting for its next item is released now, not after it yields.
    Promise.resolve(iterator.return?.()).catch(() => {});
  };
  const removeListener = stream.onClose(release);
  try {
    while (!stream.closed) {
      const next = Promise.resolve(iterator.next());
      const step = await Promise.race([next, stopped]);
      if (step === STOPPED) {
        // Whatever the abandoned `next` settles with later has nowhere to go.
        next.catch(() => {});
        break;
      }
      if (step.done || stream.closed) break;
      const sent = await send(step.value);
      if (!sent) break;
    }
  } catch (error) {
    release();
    throw error;
  } finally {
    removeListener();
  }
  if (stream.closed) release();
}
