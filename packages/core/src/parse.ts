/**
 * A spec-exact, streaming reader for `text/event-stream` bodies: it does what a browser's
 * EventSource does with the bytes, step by step as WHATWG HTML §9.2.6 describes.
 *
 * @see https://html.spec.whatwg.org/multipage/server-sent-events.html#event-stream-interpretation
 */

/** One dispatched event, as a browser's MessageEvent would carry it. */
export interface ParsedEvent {
  /** The event type: the last `event` field of the block, or `'message'` when there was none or it was empty. */
  type: string;
  /** The `data` lines of the block joined with LF (no trailing LF). May be `''`. */
  data: string;
  /**
   * The last event ID string when the event was dispatched: the last `id` field seen on this
   * stream (in this block or an earlier one), `''` if none or if the server reset it with an empty id.
   */
  lastEventId: string;
}

/** What the parser reports. Only `onEvent` is required. */
export interface ParserCallbacks {
  /** Called once per dispatched event (a blank line ending a block that had at least one `data` line). */
  onEvent(event: ParsedEvent): void;
  /** Called for every valid `retry` field (ASCII digits only, non-empty), with its value in milliseconds. */
  onRetry?(ms: number): void;
  /**
   * Called for every comment line (a line starting with `:`), with the text after the colon.
   * Exactly one leading U+0020 SPACE is removed, as for field values, so `: ping` reports `'ping'`.
   */
  onComment?(text: string): void;
}

/** Options of `createParser` and `parseEventStream`. */
export interface ParserOptions {
  /**
   * The largest event the parser holds, counted in characters (UTF-16 code units) of decoded text,
   * which is bytes for ASCII: the data lines of the block being received plus the line not yet
   * ended. A server that exceeds it (an endless line, an endless block) makes `feed` throw an
   * `SSERangeError` with code `ERR_SSE_EVENT_TOO_LARGE`, so a hostile or broken server cannot grow
   * the client's memory; the caller then closes the connection. Default 1 MiB (1 048 576); a whole
   * number >= 1, or `Infinity` for no bound.
   */
  maxEventBytes?: number;
}

/** A push parser: feed it the body in any chunking, it calls back as lines complete. */
export interface EventStreamParser {
  /**
   * Parses the next piece of the stream: text, or bytes decoded as UTF-8 in streaming fashion (a
   * character split across chunks decodes whole; invalid bytes become U+FFFD). Any chunking is
   * accepted, including a CRLF split across two chunks and a CR at the end of a chunk (that line is
   * processed at once). One U+FEFF BOM is stripped if it is the first character of the stream
   * after `createParser`, `reset` or `end`, also when it arrives as bytes split across chunks.
   *
   * @throws SSERangeError (`ERR_SSE_EVENT_TOO_LARGE`) when the line or event being received grows
   *   past `maxEventBytes`. The parser then drops what it held and throws the same error from every
   *   `feed` until `end()` or `reset()`: close the connection.
   */
  feed(chunk: string | Uint8Array): void;
  /**
   * Marks the end of the body. Per spec the pending (unterminated) block is discarded: the partial
   * line and the data and event-type buffers are cleared, and an `id` seen in that block is
   * forgotten. The last event ID and the reconnection time are kept, so the same parser can read
   * the body of the next connection (whose leading BOM is again stripped).
   */
  end(): void;
  /** Forgets everything, including the last event ID and the reconnection time (for a fresh connection). */
  reset(): void;
  /**
   * The last event ID string: set from the last-event-ID buffer at every blank line (also by blocks
   * without data), never cleared by dispatch; `''` initially and after an empty `id` field. This is
   * the value a client sends as `Last-Event-ID` when it reconnects.
   */
  readonly lastEventId: string;
  /** The reconnection time from the last valid `retry` field, in milliseconds; `undefined` until one arrives. */
  readonly reconnectionTime: number | undefined;
}

import { invalidOption } from './check-option.js';
import { SSERangeError } from './errors.js';

const LF = 0x0a;
const SPACE = 0x20;
const BOM = 0xfeff;
const ASCII_DIGITS = /^[0-9]+$/;
const DEFAULT_MAX_EVENT_BYTES = 1024 * 1024;

/** Removes one leading U+0020 SPACE, as §9.2.6 does for every field value. */
function valueAfter(line: string, colon: number): string {
  return line.charCodeAt(colon + 1) === SPACE ? line.slice(colon + 2) : line.slice(colon + 1);
}

/**
 * Creates a streaming event-stream parser that follows WHATWG HTML §9.2.6 exactly: lines end at
 * CRLF, lone LF or lone CR (nothing else); the field name is the text before the first colon,
 * compared literally; one leading space is removed from the value; `event`, `data`, `id` (ignored
 * if it contains NUL) and `retry` (ignored unless all ASCII digits) are processed, other fields
 * ignored; a blank line dispatches.
 *
 * It takes text or bytes (decoded as UTF-8, as a browser does), and bounds what it holds by
 * `options.maxEventBytes` (default 1 MiB).
 *
 * @throws SSERangeError (`ERR_SSE_INVALID_OPTION`) for a `maxEventBytes` that is not a number >= 1.
 * @see https://html.spec.whatwg.org/multipage/server-sent-events.html#event-stream-interpretation
 */
export function createParser(callbacks: ParserCallbacks, options: ParserOptions = {}): EventStreamParser {
  const { onEvent, onRetry, onComment } = callbacks;
  const maxEventBytes = options.maxEventBytes === undefined ? DEFAULT_MAX_EVENT_BYTES : options.maxEventBytes;
  if (
    !(
      maxEventBytes === Number.POSITIVE_INFINITY ||
      (Number.isSafeInteger(maxEventBytes) && maxEventBytes >= 1)
    )
  ) {
    throw invalidOption(
      'maxEventBytes',
      maxEventBytes,
      'a whole number of characters >= 1, or Infinity for no bound',
    );
  }

  // Text of the line still being received (no line break seen yet).
  let pending = '';
  // The previous chunk ended in CR: an LF opening the next chunk belongs to that CRLF. The line
  // itself was already processed, so a CR-terminated block is dispatched without waiting (§9.2.5;
  // eventsource-parser 3.1.1 waits for the next byte instead).
  let skipLF = false;
  let atBodyStart = true;
  let dataBuffer = '';
  let typeBuffer = '';
  let idBuffer = '';
  let lastEventId = '';
  let reconnectionTime: number | undefined;
  // Bumped by end() and reset(), so a callback that calls them stops the rest of the current chunk.
  let generation = 0;
  // Created on the first byte chunk. ignoreBOM keeps a BOM in the text so that the one check below
  // strips it for text and bytes alike (a BOM split across byte chunks arrives whole).
  let decoder: TextDecoder | undefined;
  // The decoder may hold the first bytes of a character: flushed before a text chunk.
  let decoding = false;
  // Set when the bound was exceeded; thrown again by feed until end() or reset().
  let failure: SSERangeError | undefined;

  function tooLarge(size: number): never {
    end();
    failure = new SSERangeError(
      'ERR_SSE_EVENT_TOO_LARGE',
      'maxEventBytes',
      size,
      `The server sent an event or line of more than maxEventBytes (${maxEventBytes}) characters ` +
        `(${size} held): close the connection, or pass a larger maxEventBytes if such events are expected.`,
    );
    throw failure;
  }

  function dispatch(): void {
    // Step 1: the buffer is copied, never reset, so an id persists until the server sends another.
    lastEventId = idBuffer;
    if (dataBuffer === '') {
      typeBuffer = '';
      return;
    }
    // Every data line appended an LF, so the buffer always ends in one: drop exactly that one.
    const event: ParsedEvent = {
      type: typeBuffer === '' ? 'message' : typeBuffer,
      data: dataBuffer.slice(0, -1),
      lastEventId,
    };
    dataBuffer = '';
    typeBuffer = '';
    onEvent(event);
  }

  function processLine(line: string): void {
    if (line === '') {
      dispatch();
      return;
    }
    if (line.length + dataBuffer.length > maxEventBytes) tooLarge(line.length + dataBuffer.length);
    const colon = line.indexOf(':');
    if (colon === 0) {
      onComment?.(valueAfter(line, 0));
      return;
    }
    // No colon: the whole line is the field name and the value is empty (so bare `data` counts).
    const field = colon === -1 ? line : line.slice(0, colon);
    const value = colon === -1 ? '' : valueAfter(line, colon);
    switch (field) {
      case 'event':
        typeBuffer = value;
        break;
      case 'data':
        dataBuffer += `${value}\n`;
        break;
      case 'id':
        // NUL makes the whole field ignored, keeping the previous id (§9.2.6 field "id").
        if (!value.includes('\0')) idBuffer = value;
        break;
      case 'retry':
        // A sign, dot, exponent or surrounding space makes clients ignore the field.
        if (ASCII_DIGITS.test(value)) {
          reconnectionTime = Number(value);
          onRetry?.(reconnectionTime);
        }
        break;
      // Any other name (other case, a BOM before `data`, ...) is ignored.
    }
  }

  function feed(chunk: string | Uint8Array): void {
    if (failure !== undefined) throw failure;
    if (typeof chunk !== 'string') {
      decoding = true;
      decoder ??= new TextDecoder('utf-8', { ignoreBOM: true });
      parseText(decoder.decode(chunk, { stream: true }));
      return;
    }
    if (decoding) {
      decoding = false;
      parseText((decoder as TextDecoder).decode());
    }
    parseText(chunk);
  }

  function parseText(chunk: string): void {
    if (chunk === '') return;
    const gen = generation;
    let pos = 0;
    if (atBodyStart) {
      atBodyStart = false;
      // The UTF-8 decode step strips one BOM at the very start; a later one is content (§9.2.6).
      if (chunk.charCodeAt(0) === BOM) pos = 1;
    }
    if (skipLF) {
      skipLF = false;
      if (chunk.charCodeAt(pos) === LF) pos++;
    }
    const length = chunk.length;
    // Next CR / LF at or after pos; -1 once none is left. Remembered between lines so a chunk with
    // many LF lines and no CR is scanned once for CR, not once per line.
    let cr = -2;
    let lf = -2;
    while (pos < length) {
      if (cr !== -1 && cr < pos) cr = chunk.indexOf('\r', pos);
      if (lf !== -1 && lf < pos) lf = chunk.indexOf('\n', pos);
      if (cr === -1 && lf === -1) break;
      const end = cr === -1 ? lf : lf === -1 ? cr : Math.min(cr, lf);
      let line = chunk.slice(pos, end);
      if (pending !== '') {
        line = pending + line;
        pending = '';
      }
      if (end === cr) {
        if (end + 1 < length) pos = chunk.charCodeAt(end + 1) === LF ? end + 2 : end + 1;
        else {
          pos = length;
          skipLF = true;
        }
      } else pos = end + 1;
      processLine(line);
      if (gen !== generation) return;
    }
    if (pos < length) {
      pending += chunk.slice(pos);
      if (pending.length + dataBuffer.length > maxEventBytes) tooLarge(pending.length + dataBuffer.length);
    }
  }

  function end(): void {
    generation++;
    failure = undefined;
    // Drops bytes held for an unfinished character: they belonged to the discarded block.
    if (decoding) {
      decoding = false;
      decoder?.decode();
    }
    pending = '';
    skipLF = false;
    atBodyStart = true;
    dataBuffer = '';
    typeBuffer = '';
    // An id in the discarded block was never dispatched, so it must not be used to resume.
    idBuffer = lastEventId;
  }

  function reset(): void {
    end();
    idBuffer = '';
    lastEventId = '';
    reconnectionTime = undefined;
  }

  return {
    feed,
    end,
    reset,
    get lastEventId() {
      return lastEventId;
    },
    get reconnectionTime() {
      return reconnectionTime;
    },
  };
}

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
