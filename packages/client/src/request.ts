import { DEFAULT_LAST_EVENT_ID_QUERY } from '@ssekit/core/internal';

/** What the per-attempt functions of `headers` and `body` are told. */
export interface AttemptContext {
  /** 1 for the first request, 2 for the first reconnection, ... (counted since `connect`). */
  attempt: number;
  /** The id the request resumes from (`''` if none): also sent as `Last-Event-ID`. */
  lastEventId: string;
}

/** A request body: anything `fetch` takes, or a plain object or array, sent as JSON. */
export type BodyValue = BodyInit | null | Record<string, unknown> | readonly unknown[];

/** What `connect` and `EventSource` need to build each attempt's request. */
export interface RequestOptions {
  /** HTTP method. Default `GET`, or the given `Request`'s. */
  method?: string;
  /**
   * The request body: a string, `FormData`, `URLSearchParams`, `Blob`, bytes, or a plain object or
   * array (sent as JSON with `Content-Type: application/json` unless a content type is set). A
   * function is called before every attempt for a fresh body (a stream can be read only once).
   */
  body?: BodyValue | ((context: AttemptContext) => BodyValue | Promise<BodyValue>);
  /**
   * Request headers: an object, or a function called before every attempt (so a reconnection sends a
   * fresh token). `Accept: text/event-stream` and `Last-Event-ID` are added.
   */
  headers?: HeadersInit | ((context: AttemptContext) => HeadersInit | Promise<HeadersInit>);
  /** `fetch`'s credentials mode (cookies on cross-origin requests: `'include'`). Default: fetch's own. */
  credentials?: RequestCredentials;
  /**
   * Also put the last event id in the URL's query, for servers behind something that drops the
   * header: `true` uses `lastEventId` (the name ssekit servers read by default), a string names the
   * parameter. Default `false`: the `Last-Event-ID` header only.
   */
  lastEventIdQuery?: boolean | string;
}

/** A plain object or array, which goes out as JSON; anything else is a body `fetch` takes as it is. */
function isPlainJson(value: unknown): value is Record<string, unknown> | readonly unknown[] {
  const proto = value && typeof value === 'object' && Object.getPrototypeOf(value);
  return Array.isArray(value) || proto === null || proto === Object.prototype;
}

/** The value of `headers` or `body` for one attempt: what the function returns, or the value itself. */
function forAttempt<Value>(
  option: Value | ((context: AttemptContext) => Value | Promise<Value>),
  context: AttemptContext,
): Value | Promise<Value> {
  return typeof option === 'function' ? (option as (context: AttemptContext) => Value)(context) : option;
}

/**
 * Builds the request of one attempt from `base` (the user's `Request`, or one `connect` made of the
 * URL), the options, and what resuming needs.
 */
export async function buildRequest(
  base: Request,
  options: RequestOptions,
  context: AttemptContext,
  signal: AbortSignal,
): Promise<Request> {
  const url = new URL(base.url);
  const { lastEventId } = context;
  const queryName =
    options.lastEventIdQuery === true ? DEFAULT_LAST_EVENT_ID_QUERY : options.lastEventIdQuery;
  if (queryName) {
    if (lastEventId) url.searchParams.set(queryName, lastEventId);
    else url.searchParams.delete(queryName);
  }
  const headers = new Headers(base.headers);
  new Headers(await forAttempt(options.headers, context)).forEach((value, name) => {
    headers.set(name, value);
  });
  headers.set('accept', 'text/event-stream');
  // UTF-8 on the wire, as browsers send it (§9.2.3); Headers wants one byte per character.
  if (lastEventId) headers.set('last-event-id', latin1OfUtf8(lastEventId));
  else headers.delete('last-event-id');

  let body = await forAttempt(options.body, context);
  if (isPlainJson(body)) {
    body = JSON.stringify(body);
    if (!headers.has('content-type')) headers.set('content-type', 'application/json');
  }
  // The original Request is never read, so its body can be cloned again for every attempt. A
  // Request's URL is fixed: when the query changed, its method, credentials and body go to a new one.
  // In the second argument, an `undefined` member counts as absent, so the given Request's method and
  // body stay. `duplex` is what Node's fetch needs to send a stream body; other runtimes ignore it.
  return new Request(
    url.href === base.url
      ? base.clone()
      : new Request(url, {
          method: base.method,
          credentials: base.credentials,
          body: base.body && base.clone().body,
          duplex: 'half',
        } as RequestInit),
    {
      method: options.method,
      credentials: options.credentials,
      headers,
      signal,
      body,
      duplex: 'half',
    } as RequestInit,
  );
}

/** A string's UTF-8 bytes as one character per byte: how `Headers` carries non-ASCII values. */
function latin1OfUtf8(text: string): string {
  // No fast path for ASCII ids (which come out as they went in): once per attempt, not worth its bytes.
  let out = '';
  for (const byte of new TextEncoder().encode(text)) out += String.fromCharCode(byte);
  return out;
}
