import { createParser, type ParsedEvent, type ParserOptions } from './parse.js';

function isReadableStream(source: unknown): source is ReadableStream<Uint8Array> {
  return typeof (source as ReadableStream | null)?.getReader === 'function';
}

async function* chunksOf(
  source: ReadableStream<Uint8Array> | AsyncIterable<Uint8Array | string>,
): AsyncGenerator<Uint8Array | string> {
  if (!isReadableStream(source)) {
    yield* source;
    return;
  }
  // getReader rather than async iteration: not every runtime makes ReadableStream async-iterable.
  const reader = source.getReader();
  let done = false;
  try {
    while (true) {
      const result = await reader.read();
      if (result.done) {
        done = true;
        return;
      }
      yield result.value;
    }
  } finally {
    // The consumer stopped early: tell the producer nobody reads any more.
    if (!done) await reader.cancel().catch(() => {});
    reader.releaseLock();
  }
}

/**
 * Reads an event-stream body and yields its events in order. Bytes are decoded as UTF-8 in
 * streaming fashion (a character split across chunks is fine; invalid bytes become U+FFFD), string
 * chunks are taken as decoded text, and exactly one leading BOM is stripped. At the end of the body
 * an unterminated block is discarded, as a browser does. Stopping the iteration early, or an event
 * larger than `options.maxEventBytes`, cancels a `ReadableStream` source.
 *
 * @throws SSERangeError (`ERR_SSE_EVENT_TOO_LARGE`) from the iteration when the body holds a line
 *   or event larger than `maxEventBytes` (default 1 MiB); (`ERR_SSE_INVALID_OPTION`) for a bad option.
 * @see https://html.spec.whatwg.org/multipage/server-sent-events.html#event-stream-interpretation
 */
export async function* parseEventStream(
  source: ReadableStream<Uint8Array> | AsyncIterable<Uint8Array | string>,
  options?: ParserOptions,
): AsyncGenerator<ParsedEvent> {
  const queue: ParsedEvent[] = [];
  const parser = createParser({ onEvent: (event) => queue.push(event) }, options);
  for await (const chunk of chunksOf(source)) {
    parser.feed(chunk);
    yield* queue.splice(0);
  }
  parser.end();
}
