/**
 * A spec-exact, streaming reader for `text/event-stream` bodies: it does what a browser's
 * EventSource does with the bytes, step by step as WHATWG HTML §9.2.6 describes.
 *
 * @see https://html.spec.whatwg.org/multipage/server-sent-events.html#event-stream-interpretation
 */
import { invalidOption } from './check-option.js';
import { SSERangeError } from './errors.js';
import { createUtf8Chunks, type Utf8Chunks } from './utf8-chunks.js';

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

const LF = 0x0a;
const SPACE = 0x20;
const COLON = 0x3a;
const BOM = 0xfeff;
const DEFAULT_MAX_EVENT_BYTES = 1024 * 1024;
// What one append adds to a V8 rope (up to two cons strings), and how many appends a string may
// take before it is flattened: see isRopy.
const ROPE_NODE_BYTES = 64;
const FLATTEN_AFTER = 16;

/**
 * Whether a string built by `appends` concatenations since it was last flat may hold more in rope
 * nodes (tens of bytes each, however short the piece) than in text: an endless block of `data`
 * lines, or an endless line in small chunks, would otherwise hold 4 to 30 times maxEventBytes.
 * The caller then reads a character, which makes V8 flatten the rope in place: memory stays near
 * the text's size, at a linear total cost, and a string of a few pieces never pays it.
 */
function isRopy(appends: number, length: number): boolean {
  return appends >= FLATTEN_AFTER && appends * ROPE_NODE_BYTES > length;
}

/**
 * Where the value starts in a line `text[start, end)`, ended by a CR or LF at `end`, whose first
 * `after - start` characters are a field name: after the colon and one optional space; `end` for a
 * bare name (an empty value, so a bare `data` line counts); -1 if the name goes on (`datum`).
 */
function valueAfterName(text: string, after: number, end: number): number {
  if (after === end) return end;
  if (text.charCodeAt(after) !== COLON) return -1;
  // The line's end is a CR or LF, never a space, so this stays inside the line.
  return text.charCodeAt(after + 1) === SPACE ? after + 2 : after + 1;
}

/**
 * Where the value starts in `text[start, text.length)`, a line not ended yet, if it is a `data` line
 * cut after the first character of its value (before that, one space after the colon may still be
 * stripped); -1 if not.
 */
function dataValueAt(text: string, start: number): number {
  // The length first: reading past a string's end deoptimizes the JIT's code.
  if (
    text.length - start < 6 ||
    text.charCodeAt(start) !== 0x64 ||
    text.charCodeAt(start + 1) !== 0x61 ||
    text.charCodeAt(start + 2) !== 0x74 ||
    text.charCodeAt(start + 3) !== 0x61 ||
    text.charCodeAt(start + 4) !== COLON
  ) {
    return -1;
  }
  const value = text.charCodeAt(start + 5) === SPACE ? start + 6 : start + 5;
  return value < text.length ? value : -1;
}

/** Whether `text[start, end)` is one or more ASCII digits, the only `retry` value clients accept. */
function isDigits(text: string, start: number, end: number): boolean {
  if (start === end) return false;
  for (let i = start; i < end; i++) {
    const code = text.charCodeAt(i);
    if (code < 0x30 || code > 0x39) return false;
  }
  return true;
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
 * @throws SSERangeError (`ERR_SSE_INVALID_OPTION`) for a `maxEventBytes` that is not a whole number >= 1 or `Infinity`.
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

  // Text of the line still being received (no line break seen yet); of a `data` line cut after the
  // first character of its value (so whether one space follows the colon is known), only the value.
  // Appending builds a rope in V8, so a line fed in many small pieces costs linear time (isRopy
  // keeps its memory near its length).
  let pending = '';
  // The length of the held line's `data:` name and space when `pending` holds only its value; 0
  // when it holds the whole line. Counted in the bound, which is on lines as received.
  let pendingName = 0;
  // Pieces appended to `pending` since it was last flat.
  let pendingPieces = 0;
  // The previous chunk ended in CR: an LF opening the next chunk belongs to that CRLF. The line
  // itself was already processed, so a CR-terminated block is dispatched without waiting (§9.2.5;
  // eventsource-parser 3.1.1 waits for the next byte instead).
  let skipLF = false;
  let atBodyStart = true;
  // The data buffer without its final LF (added back as the separator when another line comes),
  // so a one-line event's data is the slice of the chunk, never a concatenation.
  let data = '';
  let hasData = false;
  // data.length, kept as a number: the JIT reads a string's length through a slow generic path
  // when the string at hand has been of many kinds (flat, sliced, rope), as `data` is.
  let dataLength = 0;
  // Data lines appended since the data buffer was last flat.
  let ropeLines = 0;
  // The event type buffer as dispatch reads it: 'message' when it is empty (§9.2.6), so an event
  // costs no string comparison.
  let type = 'message';
  let idBuffer = '';
  let lastEventId = '';
  let reconnectionTime: number | undefined;
  // Bumped by end() and reset(), so a callback that calls them stops the rest of the current chunk.
  let generation = 0;
  let utf8: Utf8Chunks | undefined;
  // Set when the bound was exceeded; thrown again by feed until end() or reset().
  let failure: SSERangeError | undefined;

  function tooLarge(size: number): never {
    end();
    failure = new SSERangeError(
      'ERR_SSE_EVENT_TOO_LARGE',
      'maxEventBytes',
      size,
      `The server sent an event or line of more than maxEventBytes (${maxEventBytes}) characters ` +
        `(${size} held): close the connection, or raise maxEventBytes if such events are expected.`,
    );
    throw failure;
  }

  /**
   * Dispatches the block whose last `data` line has the value `value` and is followed at once by
   * the blank line (the usual `data: ...` then LF LF): the line loop's pass over the blank line is
   * skipped, and a one-line event's data is the value itself, never a concatenation.
   */
  function dispatchWith(value: string): void {
    // Step 1 of dispatch: the buffer is copied, never reset, so an id persists until the next one.
    lastEventId = idBuffer;
    emit(hasData ? `${data}\n${value}` : value);
  }

  function appendData(value: string): void {
    if (!hasData) {
      data = value;
      dataLength = value.length;
      hasData = true;
      return;
    }
    data = `${data}\n${value}`;
    dataLength = data.length;
    if (isRopy(++ropeLines, dataLength)) {
      data.charCodeAt(0);
      ropeLines = 0;
    }
  }

  /** Handles a blank line: dispatches the block if it had data, and starts the next one. */
  function dispatch(): void {
    // Step 1: the buffer is copied, never reset, so an id persists until the server sends another.
    lastEventId = idBuffer;
    if (hasData) emit(data);
    else type = 'message';
  }

  /** Calls onEvent with the block's data, and empties the block's buffers. */
  function emit(eventData: string): void {
    // Always the same three properties in the same order: every event has one hidden class.
    const event: ParsedEvent = { type, data: eventData, lastEventId };
    data = '';
    dataLength = 0;
    hasData = false;
    ropeLines = 0;
    type = 'message';
    onEvent(event);
  }

  function feed(chunk: string | Uint8Array): void {
    if (failure !== undefined) throw failure;
    if (typeof chunk === 'string') {
      // Bytes held for an unfinished character end before text that follows them.
      if (utf8 !== undefined) parseText(utf8.flush());
      parseText(chunk);
    } else {
      utf8 ??= createUtf8Chunks();
      parseText(utf8.decode(chunk));
    }
  }

  function parseText(text: string): void {
    const length = text.length;
    if (length === 0) return;
    let pos = 0;
    if (atBodyStart) {
      atBodyStart = false;
      // The UTF-8 decode step strips one BOM at the very start; a later one is content (§9.2.6).
      if (text.charCodeAt(0) === BOM) pos = 1;
    }
    if (skipLF) {
      skipLF = false;
      if (text.charCodeAt(pos) === LF) pos++;
    }
    // The next LF and CR at or after pos, -1 once there is none. Streams rarely send CR: once the
    // one scan per chunk finds none, lines are found with one indexOf each.
    let lf = text.indexOf('\n', pos);
    let cr = text.indexOf('\r', pos);
    if (pending !== '') {
      const end = cr === -1 ? lf : lf === -1 ? cr : Math.min(cr, lf);
      if (end === -1) {
        pending += text.slice(pos);
        if (pendingName + pending.length + dataLength > maxEventBytes) {
          tooLarge(pendingName + pending.length + dataLength);
        }
        if (isRopy(++pendingPieces, pending.length)) {
          pending.charCodeAt(0);
          pendingPieces = 0;
        }
        return;
      }
      // Only the first line of this chunk joins the held text; the rest is read in place, never
      // copied. Most held lines are `data:` lines cut inside their value: the value's two parts
      // are joined and taken as is, without reading the line again. No method is called on
      // `pending`: it has been strings of many kinds (flat, sliced, rope), which makes the JIT's
      // lookups on it generic (holding the value, classified on the chunk, measured 7% faster).
      const rest = text.slice(pos, end);
      pos = end + 1;
      if (pendingName !== 0) {
        const value = pending + rest;
        const size = pendingName + value.length + dataLength;
        pending = '';
        pendingName = 0;
        if (size > maxEventBytes) tooLarge(size);
        if (end === lf && pos < length && text.charCodeAt(pos) === LF) {
          pos++;
          const gen = generation;
          dispatchWith(value);
          if (gen !== generation) return;
        } else {
          appendData(value);
        }
      } else {
        // join gives a flat string where + gives a rope: the loop then reads one kind of string
        // and measured 10% faster. The LF ends the line inside the string: reading past a
        // string's end measured 40% slower in V8.
        const line = [pending, rest, '\n'].join('');
        pending = '';
        if (parseLines(line, 0, line.length - 1, -1) === -1) return;
      }
      if (end === cr) {
        if (pos === length) skipLF = true;
        else if (text.charCodeAt(pos) === LF) pos++;
        if (cr !== -1 && cr < pos) cr = text.indexOf('\r', pos);
      }
      if (lf !== -1 && lf < pos) lf = text.indexOf('\n', pos);
    }
    pos = parseLines(text, pos, lf, cr);
    if (pos !== -1 && pos < length) {
      // Read on the chunk, a flat string: `pending` may be any kind of string.
      const value = dataValueAt(text, pos);
      const from = value === -1 ? pos : value;
      pending = text.slice(from);
      pendingName = from - pos;
      pendingPieces = 0;
      if (length - pos + dataLength > maxEventBytes) tooLarge(length - pos + dataLength);
    }
  }

  /**
   * Processes every complete line of `text` from `start`, given the first LF and CR at or after it
   * (-1 for none), and returns where the unended rest begins, or -1 if a callback called end() or
   * reset() (the rest of the chunk then belongs to no body). All of §9.2.6's line processing is
   * inline here, in one loop, with the common shapes first: it runs once per line of every stream,
   * and measured faster than a function called per line.
   */
  function parseLines(text: string, start: number, firstLF: number, firstCR: number): number {
    // A callback that calls end() or reset() bumps the generation: checked after each callback.
    const gen = generation;
    // Data grows only by slices of this text, so unless the text and the data held could exceed
    // the bound together, no line or event read from it can: then lines need no check.
    const mayOverflow = text.length + dataLength > maxEventBytes;
    let pos = start;
    let lf = firstLF;
    let cr = firstCR;
    while (lf !== -1 || cr !== -1) {
      let end: number;
      let next: number;
      if (cr === -1 || (lf !== -1 && lf < cr)) {
        end = lf;
        next = lf + 1;
      } else {
        end = cr;
        next = cr + 1;
        // A CR that ends the chunk may be the first half of a CRLF: its LF would open the next one.
        if (next === text.length) skipLF = true;
        else if (text.charCodeAt(next) === LF) next++;
      }
      if (end === pos) {
        dispatch();
        if (gen !== generation) return -1;
      } else {
        if (mayOverflow && end - pos + dataLength > maxEventBytes) tooLarge(end - pos + dataLength);
        // Fields are recognised by their literal names, compared with charCodeAt (inlined by the
        // JIT; startsWith is a call per line); any other line (other case, a BOM before `data`,
        // an unknown name) is ignored without looking for its colon. A name cut short by the
        // line's end fails the compare there, as a CR or LF is no letter.
        let value = -1;
        switch (text.charCodeAt(pos)) {
          case 0x64: // d
            if (
              text.charCodeAt(pos + 1) === 0x61 &&
              text.charCodeAt(pos + 2) === 0x74 &&
              text.charCodeAt(pos + 3) === 0x61
            ) {
              value = valueAfterName(text, pos + 4, end);
            }
            if (value === -1) break;
            if (end === lf && next < text.length && text.charCodeAt(next) === LF) {
              next++;
              dispatchWith(text.slice(value, end));
              if (gen !== generation) return -1;
            } else {
              appendData(text.slice(value, end));
            }
            break;
          case 0x65: // e
            if (
              text.charCodeAt(pos + 1) === 0x76 &&
              text.charCodeAt(pos + 2) === 0x65 &&
              text.charCodeAt(pos + 3) === 0x6e &&
              text.charCodeAt(pos + 4) === 0x74
            ) {
              value = valueAfterName(text, pos + 5, end);
            }
            if (value !== -1) type = value === end ? 'message' : text.slice(value, end);
            break;
          case 0x69: // i
            if (text.charCodeAt(pos + 1) === 0x64) value = valueAfterName(text, pos + 2, end);
            if (value !== -1) {
              const id = text.slice(value, end);
              // NUL makes the whole field ignored, keeping the previous id (§9.2.6 field "id").
              if (!id.includes('\0')) idBuffer = id;
            }
            break;
          case COLON:
            if (onComment !== undefined) {
              onComment(text.slice(valueAfterName(text, pos, end), end));
              if (gen !== generation) return -1;
            }
            break;
          case 0x72: // r
            if (
              text.charCodeAt(pos + 1) === 0x65 &&
              text.charCodeAt(pos + 2) === 0x74 &&
              text.charCodeAt(pos + 3) === 0x72 &&
              text.charCodeAt(pos + 4) === 0x79
            ) {
              value = valueAfterName(text, pos + 5, end);
            }
            // A sign, dot, exponent or surrounding space makes clients ignore the field.
            if (value !== -1 && isDigits(text, value, end)) {
              reconnectionTime = Number(text.slice(value, end));
              onRetry?.(reconnectionTime);
              if (gen !== generation) return -1;
            }
            break;
        }
      }
      pos = next;
      // Chunks often end with their last line (servers flush whole events): no search past the end.
      if (lf !== -1 && lf < pos) lf = pos < text.length ? text.indexOf('\n', pos) : -1;
      if (cr !== -1 && cr < pos) cr = text.indexOf('\r', pos);
    }
    return pos;
  }

  function end(): void {
    generation++;
    failure = undefined;
    // Bytes held for an unfinished character belonged to the discarded block.
    utf8 = undefined;
    pending = '';
    pendingPieces = 0;
    pendingName = 0;
    skipLF = false;
    atBodyStart = true;
    data = '';
    dataLength = 0;
    hasData = false;
    ropeLines = 0;
    type = 'message';
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
