import { describeValue, SSEFieldError, SSERangeError } from './errors.js';
import type { EventFields, Serializer } from './types.js';

/** The largest `retry` clients honour: above it Node's timers overflow and reconnect at once (§9.2.3). */
export const MAX_RETRY_MS = 2_147_483_647;

const LINE_BREAK = /\r\n|\r|\n/;
const CR_OR_LF = /[\r\n]/;
/** Any surrogate code unit: a cheap pre-test, since `String.prototype.isWellFormed` is not on Node 20. */
const SURROGATE = /[\uD800-\uDFFF]/;

/**
 * Refuses text with a surrogate code unit that is not half of a pair: UTF-8 cannot carry one, so
 * `TextEncoder` would send U+FFFD instead and the client would get different text than was sent.
 * The regex pre-test keeps the common case (no surrogates at all) one fast scan.
 */
function checkWellFormed(field: 'data' | 'event' | 'id', text: string, value: unknown): void {
  if (!SURROGATE.test(text)) return;
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i);
    if (unit < 0xd800 || unit > 0xdfff) continue;
    const next = text.charCodeAt(i + 1);
    if (unit <= 0xdbff && next >= 0xdc00 && next <= 0xdfff) {
      i++;
      continue;
    }
    throw new SSEFieldError(
      'ERR_SSE_LONE_SURROGATE',
      field,
      value,
      `Event ${field === 'event' ? 'name' : field} ${describeValue(value)} contains a lone surrogate (U+${unit.toString(16).toUpperCase()} at index ${i}), which UTF-8 cannot carry: the client would receive U+FFFD instead. Send well-formed text (String.prototype.toWellFormed() replaces lone surrogates explicitly).`,
    );
  }
}

/** `JSON.stringify`, the default serializer for non-string data. */
export const jsonSerializer: Serializer = (data) => JSON.stringify(data);

/** One `name: value` line; with `name` '' it is a comment line. */
function line(name: string, value: string): string {
  // One space after the colon, so a value that starts with a space keeps it (§9.2.6).
  return value === '' ? `${name}:\n` : `${name}: ${value}\n`;
}

/** Refuses a field value that is not a string, or whose CR or LF would start new fields on the wire. */
function checkOneLine(field: 'event' | 'id', label: string, value: string): void {
  if (typeof value !== 'string' || CR_OR_LF.test(value)) {
    throw new SSEFieldError(
      'ERR_SSE_NEWLINE_IN_FIELD',
      field,
      value,
      `${label} ${describeValue(value)} must be a string without CR or LF: a line break would start new fields on the wire.`,
    );
  }
}

/** Refuses an event name that would break out of its line (§9.2.5, §9.2.6), or that UTF-8 cannot carry. */
export function checkEventName(event: string): void {
  checkOneLine('event', 'Event name', event);
  checkWellFormed('event', event, event);
}

/** Refuses an id that would break out of its line, or that clients would silently ignore (§9.2.6). */
export function checkId(id: string): void {
  checkOneLine('id', 'Event id', id);
  if (id.includes('\0')) {
    throw new SSEFieldError(
      'ERR_SSE_NUL_IN_ID',
      'id',
      id,
      `Event id ${describeValue(id)} must not contain NUL: every client ignores an id field that does.`,
    );
  }
  checkWellFormed('id', id, id);
}

/** Refuses a reconnection time that clients would ignore or mishandle (§9.2.6 "retry", §9.2.3). */
export function checkRetry(retry: number): void {
  if (!Number.isSafeInteger(retry) || retry < 0 || retry > MAX_RETRY_MS) {
    throw new SSERangeError(
      'ERR_SSE_INVALID_RETRY',
      'retry',
      retry,
      `retry ${describeValue(retry)} must be a whole number of milliseconds from 0 to ${MAX_RETRY_MS}.`,
    );
  }
}

/** Turns `data` into the text to send: strings verbatim, anything else through `serialize`. */
export function dataToText(data: unknown, serialize: Serializer = jsonSerializer): string {
  if (typeof data === 'string') {
    checkWellFormed('data', data, data);
    return data;
  }
  let text: unknown;
  try {
    text = serialize(data);
  } catch (cause) {
    throw new SSEFieldError(
      'ERR_SSE_UNSERIALIZABLE_DATA',
      'data',
      data,
      `Event data ${describeValue(data)} could not be serialized: ${(cause as Error)?.message ?? cause}`,
      { cause },
    );
  }
  if (typeof text !== 'string') {
    throw new SSEFieldError(
      'ERR_SSE_UNSERIALIZABLE_DATA',
      'data',
      data,
      `Event data ${describeValue(data)} serialized to ${describeValue(text)}, not a string; send a string or a value the serializer can represent.`,
    );
  }
  checkWellFormed('data', text, data);
  return text;
}

/** Writes text as one `prefix` line per line of the text, splitting at CRLF, CR and LF (§9.2.6). */
function lines(prefix: string, text: string): string {
  if (!CR_OR_LF.test(text)) return line(prefix, text);
  let out = '';
  for (const part of text.split(LINE_BREAK)) out += line(prefix, part);
  return out;
}

/** Encodes a comment as `:` lines (one per line of `text`), without the closing blank line. */
export function commentLines(text = ''): string {
  return lines('', String(text));
}

/**
 * Encodes one complete event block, ending in a blank line, that every conforming client reads as
 * exactly the given event: a client dispatches `data` (after serialization) unchanged, with the
 * given type and last event id. Lines end with LF.
 *
 * Throws `SSEFieldError` (event or id with CR/LF, id with NUL, a lone surrogate in data, event or
 * id, unserializable data) or
 * `SSERangeError` (retry) before producing anything.
 *
 * @see https://html.spec.whatwg.org/multipage/server-sent-events.html#event-stream-interpretation
 */
export function encodeEvent(fields: EventFields, serialize: Serializer = jsonSerializer): string {
  const { data, event, id, retry, comment } = fields;
  let out = comment === undefined ? '' : commentLines(comment);
  if (event !== undefined) {
    checkEventName(event);
    out += line('event', event);
  }
  if (id !== undefined) {
    checkId(id);
    out += line('id', id);
  }
  if (retry !== undefined) {
    checkRetry(retry);
    out += line('retry', String(retry));
  }
  if (data !== undefined) out += lines('data', dataToText(data, serialize));
  return `${out}\n`;
}
