import type { ParsedEvent } from '@ssekit/core';
// The internal entry, not the main one: see its doc comment (a browser bundle keeps only what it uses).
import { createParser, DEFAULT_GAP_EVENT } from '@ssekit/core/internal';
import { type BackoffOptions, resolveBackoff, retryAfterMs } from './backoff.js';
import { type DecodeOptions, decodeEvent, type ParseOption } from './decode.js';
import { refusal, SSEClientError } from './errors.js';
import { checkTypes, MAX_DELAY, numberOption } from './options.js';
import type { Pauser } from './pause.js';
import { buildRequest, type RequestOptions } from './request.js';
import type { TabShare, TabSharing } from './tabs.js';
import type {
  ClientEvent,
  ClientEventOf,
  ClientState,
  EventSchemas,
  InvalidEvent,
  StateChange,
} from './types.js';

/** Options of `connect`. Times are in milliseconds. */
export interface ConnectOptions<Events extends Record<string, unknown> = Record<string, unknown>>
  extends RequestOptions {
  /** Closes the client when aborted, as `close()` does. */
  signal?: AbortSignal;
  /**
   * The `fetch` to send each attempt's `Request` with: Hono's `app.request`, a fetch bound to an
   * undici agent or a proxy. Default: the global `fetch`.
   */
  fetch?: (request: Request) => Promise<Response>;
  /**
   * The id to resume from on the first request (a value saved from an earlier page load). Must not
   * contain CR, LF or NUL. Default `''`: no `Last-Event-ID`.
   */
  lastEventId?: string;
  /** Delays between attempts: exponential backoff with full jitter (README, "Reconnection"). */
  backoff?: BackoffOptions;
  /** Consecutive failed attempts (no stream opened) after which the client gives up. Default `Infinity`. */
  maxAttempts?: number;
  /**
   * Milliseconds since the last open stream ended (or since `connect`) after which no new attempt is
   * started. Default `Infinity`.
   */
  maxRetryTime?: number;
  /**
   * Reconnect when no byte (event, comment or heartbeat) arrives for this long. Set it above the
   * server's heartbeat: ssekit servers send one every 15 s by default, so 45000 fits. Time spent
   * waiting for a slow `for await` loop does not count. Default `false`: off.
   */
  stallTimeout?: number | false;
  /**
   * Send a non-idempotent request (POST, PATCH) again after its stream ended even though it cannot
   * resume (no last event id). Off by default: such a request started work on the server (an LLM
   * call, a payment) that must not run twice. Default `false`.
   */
  replay?: boolean;
  /**
   * How event data is decoded. `'json'`: `JSON.parse` when the text is JSON, else the text itself
   * (ssekit sends strings verbatim and other values as JSON; a string event whose text is valid
   * JSON, such as `"42"`, arrives as the number). `'text'`: always the text. A function decides per
   * event. Default `'json'`.
   */
  parse?: ParseOption;
  /**
   * A Standard Schema per event type (zod, valibot, arktype, ...), checked after `parse`. An event that
   * fails goes to the `onInvalid` listeners (or `console.error`) and is not delivered. Default: none.
   */
  schemas?: EventSchemas<Events>;
  /**
   * The largest event (or line) accepted, in characters: a longer one closes the client with
   * `SSERangeError` `ERR_SSE_EVENT_TOO_LARGE`, so an endless line from a broken or hostile server
   * cannot grow memory. Default 1 MiB; `Infinity` for no bound.
   */
  maxEventBytes?: number;
  /**
   * What pauses the client: `pauseWhenHidden()` closes the connection while the page is hidden and
   * resumes by `Last-Event-ID` once it is visible. Only a request that may be sent again pauses (GET
   * and other idempotent methods, one with a last event id, or `replay: true`): a POST that cannot
   * resume is never cut. Default: none, nothing closes implicitly.
   */
  pause?: Pauser;
  /**
   * How the tabs of this origin share one connection: `shareAcrossTabs()` (Web Locks and a
   * `BroadcastChannel`; see there). Default: none, every tab connects.
   */
  share?: TabSharing;
  /** The server's gap event name (ssekit's `gapEvent` option), delivered as `gap`. `false` turns it off. Default `'ssekit-gap'`. */
  gapEvent?: string | false;
}

/**
 * A connection to an event stream that reconnects and resumes by itself until closed: read it with
 * `for await` (a discriminated union on `type`), with `on(type, listener)`, or both.
 */
export interface SSEClient<Events extends Record<string, unknown> = Record<string, unknown>>
  extends AsyncIterable<ClientEvent<Events>> {
  /** `connecting` (first attempt), `open`, `reconnecting` (waiting or retrying), `closed` (for good). */
  readonly readyState: ClientState;
  /** The id the client resumes from: the last `id` the server sent (or the initial one); `''` if none. */
  readonly lastEventId: string;
  /**
   * Resolves once the client is closed: to `undefined` after `close()`, the signal, a 204 or a stream
   * that may not be replayed; to the fatal error (an `SSEClientError`) otherwise. Never rejects.
   */
  readonly done: Promise<unknown>;
  /** Calls `listener` for every event of `type` (`'gap'` for the gap event). Returns a function that removes it. */
  on<Type extends (keyof Events & string) | 'gap'>(
    type: Type,
    listener: (event: ClientEventOf<Events, Type>) => void,
  ): () => void;
  /** Calls `listener` at every change of `readyState`. Returns a function that removes it. */
  onState(listener: (change: StateChange) => void): () => void;
  /** Calls `listener` for each event that failed its schema or `parse`. Returns a function that removes it. */
  onInvalid(listener: (invalid: InvalidEvent) => void): () => void;
  /**
   * Closes the connection for good: aborts the request, cancels the body, clears every timer and
   * ends every `for await` loop. Breaking out of a `for await` loop does the same.
   */
  close(): void;
}

/** Methods that may be sent again without changing anything twice (RFC 9110 §9.2.2). */
const IDEMPOTENT = /^(GET|HEAD|OPTIONS|PUT|DELETE)$/i;

/** Keys of the `onState` and `onInvalid` listeners among those of event types (strings). */
enum Key {
  State,
  Invalid,
}

/** One `for await` loop's queue of events, and what wakes the loop's pending `next()`. */
type Subscriber<Event> = Event[] & { wake?: () => void };

/**
 * Calls `listener` with `value`. Its error is thrown again outside the read loop, where the app sees
 * it, without stopping delivery to the other listeners.
 */
function notify<T>(listener: (value: T) => void, value: T): void {
  try {
    listener(value);
  } catch (error) {
    setTimeout(() => {
      throw error;
    });
  }
}

/**
 * Opens an event stream with `fetch` and keeps it open: it reconnects with backoff, resumes with
 * `Last-Event-ID`, and stops for good on a fatal answer (a 4xx other than 408/429, a 2xx that is not
 * `text/event-stream`), a 204, `close()` or the signal. Type it with the server's event map.
 *
 * @example
 * const client = connect<{ tick: { n: number } }>('/clock');
 * for await (const event of client) if (event.type === 'tick') console.log(event.data.n);
 *
 * @throws SSEFieldError / SSERangeError (`ERR_SSE_INVALID_OPTION`) for an invalid option, synchronously.
 */
export function connect<Events extends Record<string, unknown> = Record<string, unknown>>(
  input: string | URL | Request,
  options: ConnectOptions<Events> = {},
): SSEClient<Events> {
  // One closure rather than a class: private fields and `this.` do not minify, and the bundle size
  // is a feature of this package (BENCHMARKS.md, "Client bundle size").
  checkTypes(options);
  const { signal, replay } = options;
  const backoffDelay = resolveBackoff(options.backoff);
  const maxAttempts = numberOption('maxAttempts', options.maxAttempts, Infinity, 1, Infinity);
  const maxRetryTime = numberOption('maxRetryTime', options.maxRetryTime, Infinity, 0, Infinity);
  const stallTimeout =
    options.stallTimeout !== false &&
    numberOption('stallTimeout', options.stallTimeout, false, 1, MAX_DELAY, ', or false');
  // The user's Request is never read (each attempt clones it), so its body can be sent again.
  const base =
    input instanceof Request
      ? input
      : // A relative URL resolves against the page's (or worker's) location, as fetch does.
        new Request(input);
  const idempotent = IDEMPOTENT.test(options.method ?? base.method);
  const gapEvent = options.gapEvent ?? DEFAULT_GAP_EVENT;
  const send = options.fetch ?? fetch;
  /** Events the parser dispatched from the current chunk, delivered once it is parsed. */
  const parsed: ParsedEvent[] = [];
  // The parser is the one place the last event id and the server's `retry` live.
  const parser = createParser({ onEvent: (event) => parsed.push(event) }, options);
  /** Every listener with its key: its event type, or `Key.State` and `Key.Invalid` for `onState` and `onInvalid`. */
  const listeners = new Set<[key: string | number, listener: (value: never) => void]>();
  const subscribers = new Set<Subscriber<ClientEvent<Events>>>();
  let state: ClientState = 'connecting';
  let fatal: unknown;
  /** Aborts the current attempt (request and body); replaced for every attempt. */
  let attempt: AbortController | undefined;
  /** The backoff wait's timer, or the stall timer while reading. */
  let timer: ReturnType<typeof setTimeout> | undefined;
  /**
   * Ends the read loop's wait: the backoff delay, a pause, or (while reading) the wait for the `for
   * await` loops to take their events. One for all three: the loop waits for one thing at a time,
   * the queues are empty whenever it is not reading, and it checks again after each wake.
   */
  let wake: (() => void) | undefined;
  let paused = false;
  /** Stops the `pause` option's trigger. */
  let stopPauser: (() => void) | undefined;
  /** With `share`: this client's end of the sharing. */
  let tabs: TabShare<ClientEvent<Events>> | undefined;
  let settle!: (value: unknown) => void;
  const done = new Promise<unknown>((resolve) => {
    settle = resolve;
  });

  const closed = () => state === 'closed';
  /** Whether (truthy) the request may be sent again without running twice on the server. */
  const canResend = () => idempotent || replay || parser.lastEventId;

  /**
   * Sets the id to resume from. A data-less block sets it exactly as the server's own `id:` would,
   * and `end()` readies the parser for a body.
   */
  const resumeFrom = (id: string) => {
    if (id === parser.lastEventId) return;
    parser.feed(`id:${id}\n\n`);
    parser.end();
  };

  const listen = (key: string | number, listener: (value: never) => void) => {
    // An entry of its own, so the same function added twice is removed once per call.
    const entry: [string | number, (value: never) => void] = [key, listener];
    listeners.add(entry);
    return () => {
      listeners.delete(entry);
    };
  };

  /** Calls the listeners of `key`; returns whether there was one. */
  const emit = (key: string | number, value: unknown) => {
    let heard = false;
    for (const [listenerKey, listener] of listeners)
      if (listenerKey === key) {
        heard = true;
        notify(listener as (value: unknown) => void, value);
      }
    return heard;
  };

  const setState = (next: ClientState, change?: Omit<StateChange, 'state'>) => {
    state = next;
    tabs?.relayState(next);
    emit(Key.State, { state: next, ...change });
  };

  const finish = (error?: unknown) => {
    if (closed()) return;
    fatal = error;
    attempt?.abort();
    clearTimeout(timer);
    signal?.removeEventListener('abort', close);
    stopPauser?.();
    tabs?.close();
    setState('closed', { error });
    wake?.();
    for (const subscriber of subscribers) subscriber.wake?.();
    subscribers.clear();
    settle(error);
  };

  const close = () => finish();

  /** A wait `wake` ends: after `ms`, or (no `ms`) only then; the caller checks again why it waited. */
  const wait = (ms?: number) =>
    new Promise<void>((resolve) => {
      wake = resolve;
      if (ms !== undefined) timer = setTimeout(resolve, ms);
    }).then(() => clearTimeout(timer));

  const deliver = (event: ClientEvent<Events>) => {
    // A value the other tabs cannot receive (not structured-cloneable) is reported like a listener's error.
    if (tabs) notify((relayed: ClientEvent<Events>) => tabs?.relay(relayed), event);
    emit(event.type, event);
    for (const subscriber of subscribers) {
      subscriber.push(event);
      subscriber.wake?.();
    }
  };

  /** Starts the stall timer: armed while waiting for bytes only, not while `for await` loops catch up. */
  const armStall = () => {
    if (stallTimeout)
      // `pipeTo` rejects with the abort's reason: the attempt ends with this error.
      timer = setTimeout(
        () =>
          attempt?.abort(
            new SSEClientError('ERR_SSE_STALLED', `No byte for ${stallTimeout} ms (stallTimeout).`),
          ),
        stallTimeout,
      );
  };

  /**
   * Takes one chunk of the body: feeds the parser and delivers the events it completed. Resolves once
   * every `for await` loop has taken them; an event past `maxEventBytes` closes the client, since the
   * same server would send it again.
   */
  const take = async (bytes: Uint8Array) => {
    clearTimeout(timer);
    // Bytes go in as they come: the parser decodes UTF-8 across chunks and strips the BOM.
    try {
      parser.feed(bytes);
    } catch (error) {
      return finish(error);
    }
    for (const raw of parsed.splice(0)) {
      try {
        const event = await decodeEvent<Events>(raw, options as DecodeOptions, gapEvent);
        if (closed()) return;
        deliver(event);
      } catch (issues) {
        const invalid: InvalidEvent = { ...raw, issues };
        if (!emit(Key.Invalid, invalid)) console.error('ssekit client: invalid event', invalid);
      }
    }
    while (!closed() && [...subscribers].some((subscriber) => subscriber.length > 0)) await wait();
    armStall();
  };

  const run = async () => {
    let failures = 0;
    let failingSince = Date.now();
    for (let count = 1; ; count++) {
      while (paused && !closed()) await wait();
      if (closed()) return;
      attempt = new AbortController();
      let error: unknown;
      let opened = false;
      let retryAfter = 0;
      let notProcessed = false;
      try {
        const response = await send(
          await buildRequest(
            base,
            options,
            { attempt: count, lastEventId: parser.lastEventId },
            attempt.signal,
          ),
        );
        // 204 No Content: the server says "do not reconnect" (§9.2.1).
        if (closed() || response.status === 204) {
          response.body?.cancel().catch(() => {});
          return finish();
        }
        const refused = await refusal(response);
        if (refused) {
          const { status } = refused;
          if (refused.code !== 'ERR_SSE_RETRYABLE_STATUS') return finish(refused);
          error = refused;
          notProcessed = status === 408 || status === 429 || status === 503;
          if (status === 429 || status === 503) retryAfter = retryAfterMs(response.headers, Date.now());
        } else {
          opened = true;
          setState('open');
          armStall();
          // `pipeTo` asks for the next chunk once `take` has resolved, so TCP pushes back on the
          // server while a `for await` loop is behind, and it cancels the body when the attempt is
          // aborted (a custom `fetch`, such as Hono's `app.request`, may not tie the body to the
          // request's signal). A 200 with no body is an empty stream that ended at once.
          await response.body?.pipeTo(new WritableStream({ write: take }), {
            signal: attempt.signal,
          });
        }
      } catch (thrown) {
        // A network error, a stall, or a failing `headers`/`body` function: all are worth another try.
        error = thrown;
      } finally {
        clearTimeout(timer);
        // What was not ended by a blank line is discarded; the last id and retry are kept (§9.2.6).
        parser.end();
        parsed.length = 0;
      }
      if (closed()) return;
      // Cut on purpose while hidden: no failure, the next attempt waits for the page to be visible.
      if (opened || paused) {
        failures = 0;
        failingSince = Date.now();
      }
      if (paused) continue;
      // A request that started work on the server is sent again only if it resumes from an id.
      if (!canResend() && !notProcessed)
        return finish(
          opened && error === undefined
            ? undefined
            : new SSEClientError(
                'ERR_SSE_NOT_REPLAYABLE',
                'A POST with no last event id is not sent again (replay: true allows it).',
                { cause: error },
              ),
        );
      const delay = backoffDelay(++failures, parser.reconnectionTime, retryAfter);
      if (failures >= maxAttempts || Date.now() + delay - failingSince > maxRetryTime)
        return finish(
          new SSEClientError(
            'ERR_SSE_RETRIES_EXHAUSTED',
            `Gave up after ${failures} failed attempts (maxAttempts, maxRetryTime).`,
            { cause: error },
          ),
        );
      setState('reconnecting', { error, delay, attempt: count + 1 });
      await wait(delay);
    }
  };

  const client: SSEClient<Events> = {
    get readyState() {
      return state;
    },
    get lastEventId() {
      return parser.lastEventId;
    },
    done,
    on: listen,
    onState: (listener) => listen(Key.State, listener),
    onInvalid: (listener) => listen(Key.Invalid, listener),
    close,
    // Breaking out of the loop (`return()` at a `yield`) runs `finally`: the client closes.
    async *[Symbol.asyncIterator]() {
      const subscriber: Subscriber<ClientEvent<Events>> = [];
      if (!closed()) subscribers.add(subscriber);
      try {
        while (true) {
          const event = subscriber.shift();
          if (event) {
            // The read loop waits for every loop to empty its queue: it checks again (and waits on
            // while one is still behind). Queues are empty whenever it waits for anything else.
            wake?.();
            yield event;
          } else if (closed()) {
            if (fatal !== undefined) throw fatal;
            return;
          } else
            await new Promise<void>((resolve) => {
              subscriber.wake = resolve;
            });
        }
      } finally {
        subscribers.delete(subscriber);
        close();
      }
    },
  };

  if (options.lastEventId) resumeFrom(options.lastEventId);
  if (signal?.aborted) {
    finish();
    return client;
  }
  signal?.addEventListener('abort', close);
  stopPauser = options.pause?.({
    pause() {
      if (paused || closed() || !canResend()) return;
      paused = true;
      attempt?.abort();
      wake?.();
      setState('reconnecting', { paused: true });
    },
    resume() {
      if (!paused) return;
      paused = false;
      wake?.();
    },
  });
  tabs = options.share?.<ClientEvent<Events>>(`ssekit:${base.url}`, {
    lead() {
      void run();
      return done;
    },
    receive(event) {
      resumeFrom(event.lastEventId);
      deliver(event);
    },
    receiveState: setState,
    closed,
  });
  if (!tabs) void run();
  return client;
}
