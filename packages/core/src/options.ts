import { checkRetry, jsonSerializer } from './encode.js';
import { describeValue, SSEFieldError, SSERangeError } from './errors.js';
import { DEFAULT_LAST_EVENT_ID_QUERY } from './last-event-id.js';
import { checkRetryJitter } from './retry-jitter.js';
import type { Serializer } from './types.js';

/** Default interval of keep-alive comments, in milliseconds (§9.2.7 suggests about 15 seconds). */
export const DEFAULT_HEARTBEAT_MS = 15_000;
/** Default bound on bytes queued for one slow client before its stream is closed: 1 MiB. */
export const DEFAULT_MAX_BUFFERED_BYTES = 1024 * 1024;

/** Options of one event stream; every adapter's `sse(options)` takes these. */
export interface SSEOptions {
  /**
   * Milliseconds of silence after which a keep-alive comment (`:`) is written, so proxies and
   * clients do not time the connection out. A heartbeat follows between 1 and 1.2 intervals after
   * the last write. Default 15 000; at most 2147483647 (timers cannot wait longer); `false` turns
   * heartbeats off.
   * @see https://html.spec.whatwg.org/multipage/server-sent-events.html#authoring-notes
   */
  heartbeat?: number | false;
  /**
   * Reconnection time in milliseconds written (`retry:`) when the stream opens, so the client waits
   * that long before reconnecting. A whole number from 0 to 2147483647. Default: none written (the
   * client's own default, typically 3 s in browsers).
   */
  retry?: number;
  /**
   * Fraction of `retry` by which each stream's hint is shortened at random, 0 to 1: every stream
   * gets its own whole number of milliseconds from `retry - floor(retry * retryJitter)` to `retry`,
   * evenly, so clients that lose their connections together (an instance died) come back spread
   * over that range instead of in the same second. Needs `retry`. Default 0: every stream gets `retry`.
   */
  retryJitter?: number;
  /** Turns non-string event data into text. Default `JSON.stringify`. Strings are always sent verbatim. */
  serializer?: Serializer;
  /**
   * Bytes that may queue for a client that reads slower than events are sent. Past this the stream
   * is closed, so a stalled client cannot grow server memory; it reconnects and resumes by its
   * Last-Event-ID. Default 1 MiB (1 048 576); `Infinity` means no bound.
   */
  maxBufferedBytes?: number;
  /**
   * Extra response headers; a header named here replaces the default of the same name. Names must
   * be HTTP tokens and values must not hold CR, LF, NUL or other control characters (tab aside) or
   * characters above U+00FF, which no server runtime would send: checked when `sse()` is called.
   */
  headers?: Record<string, string>;
  /**
   * Query parameter read for the last event id when the request has no `Last-Event-ID` header
   * (EventSource polyfills that cannot set headers). Default `'lastEventId'`; `false` turns it off.
   */
  lastEventIdQuery?: string | false;
}

/** `SSEOptions` checked, with every default filled in. */
export interface ResolvedSSEOptions {
  heartbeat: number | false;
  retry: number | undefined;
  retryJitter: number;
  serializer: Serializer;
  maxBufferedBytes: number;
  headers: Record<string, string> | undefined;
  lastEventIdQuery: string | false;
}

/** Timers cannot wait longer: above this Node, browsers and Workers fire after about 1 ms. */
const MAX_TIMER_MS = 2_147_483_647;

function invalid(field: string, value: unknown, requirement: string): SSERangeError {
  return new SSERangeError(
    'ERR_SSE_INVALID_OPTION',
    field,
    value,
    `${field} must be ${requirement}, got ${String(value)}.`,
  );
}

/** An HTTP token (RFC 9110 §5.6.2), what a header name must be. */
const HEADER_NAME = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

/**
 * Whether Node and fetch's `Headers` both accept `value`: tab, visible ASCII, space and the
 * latin1 range (RFC 9110 §5.5 field-content plus obs-text); a CR or LF would split the header.
 */
function isHeaderValue(value: string): boolean {
  for (let i = 0; i < value.length; i++) {
    const code = value.charCodeAt(i);
    if ((code < 0x20 && code !== 0x09) || code === 0x7f || code > 0xff) return false;
  }
  return true;
}

function checkHeaders(headers: unknown): void {
  if (typeof headers !== 'object' || headers === null) {
    throw new SSEFieldError(
      'ERR_SSE_INVALID_OPTION',
      'headers',
      headers,
      `headers must be an object of header names to string values, got ${describeValue(headers)}.`,
    );
  }
  for (const [name, value] of Object.entries(headers)) {
    if (!HEADER_NAME.test(name)) {
      throw new SSEFieldError(
        'ERR_SSE_INVALID_OPTION',
        'headers',
        name,
        `headers: ${describeValue(name)} is not a valid header name (letters, digits and !#$%&'*+-.^_\`|~ only).`,
      );
    }
    if (typeof value !== 'string' || !isHeaderValue(value)) {
      throw new SSEFieldError(
        'ERR_SSE_INVALID_OPTION',
        `headers.${name}`,
        value,
        `headers.${name} must be a string without CR, LF or other control characters, got ${describeValue(value)}.`,
      );
    }
  }
}

/**
 * Checks stream options and fills in the defaults. Adapters call it when they are set up, so a bad
 * option fails where it was written rather than on the first request; streams call it again.
 *
 * @throws SSERangeError (`ERR_SSE_INVALID_OPTION`, or `ERR_SSE_INVALID_RETRY` for `retry`) naming the
 *   option (a `retryJitter` out of 0 to 1, or given without `retry`, too); SSEFieldError (`ERR_SSE_INVALID_OPTION`) for a header name or value no server would send.
 */
export function validateSSEOptions(options: SSEOptions = {}): ResolvedSSEOptions {
  const heartbeat = options.heartbeat ?? DEFAULT_HEARTBEAT_MS;
  if (heartbeat !== false && !(typeof heartbeat === 'number' && heartbeat > 0 && heartbeat <= MAX_TIMER_MS)) {
    throw invalid(
      'heartbeat',
      heartbeat,
      `a positive number of milliseconds up to ${MAX_TIMER_MS}, or false`,
    );
  }
  const maxBufferedBytes = options.maxBufferedBytes ?? DEFAULT_MAX_BUFFERED_BYTES;
  if (!(typeof maxBufferedBytes === 'number' && maxBufferedBytes >= 0)) {
    throw invalid('maxBufferedBytes', maxBufferedBytes, 'a number of bytes >= 0 (or Infinity)');
  }
  if (options.retry !== undefined) checkRetry(options.retry);
  const retryJitter = checkRetryJitter(options.retryJitter, options.retry);
  const serializer = options.serializer ?? jsonSerializer;
  if (typeof serializer !== 'function') throw invalid('serializer', serializer, 'a function');
  const lastEventIdQuery = options.lastEventIdQuery ?? DEFAULT_LAST_EVENT_ID_QUERY;
  if (lastEventIdQuery !== false && !(typeof lastEventIdQuery === 'string' && lastEventIdQuery !== '')) {
    throw invalid('lastEventIdQuery', lastEventIdQuery, 'a query parameter name or false');
  }
  if (options.headers !== undefined) checkHeaders(options.headers);
  return {
    heartbeat,
    retry: options.retry,
    retryJitter,
    serializer,
    maxBufferedBytes,
    headers: options.headers,
    lastEventIdQuery,
  };
}
