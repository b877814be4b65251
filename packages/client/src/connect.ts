import type { EventStreamParser, ParsedEvent } from '@ssekit/core';
// The internal entry, not the main one: see its doc comment (a browser bundle keeps only what it uses).
import { checkNumberOption, createParser, DEFAULT_GAP_EVENT, invalidOption } from '@ssekit/core/internal';
import type { StandardSchemaV1 } from '@standard-schema/spec';
import {
  type BackoffOptions,
  backoffDelay,
  type ResolvedBackoff,
  resolveBackoff,
  retryAfterMs,
} from './backoff.js';
import { decodeEvent, type ParseOption } from './decode.js';
import { refusal, SSEClientError } from './errors.js';
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
  /** Delays between attempts: exponential backoff with full jitter (see `backoffDelay`). */
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
const IDEMPOTENT = new Set(['GET', 'HEAD', 'OPTIONS', 'PUT', 'DELETE', 'TRACE']);

/** What one attempt came to. */
interface Outcome {
  /** Why it ended; `undefined` for a stream the server closed cleanly. */
  error?: unknown;
  /** Whether another attempt may follow. */
  retryable: boolean;
  /** Whether the request got an event stream (so its work started on the server). */
  opened: boolean;
  /** The server's `Retry-After`, in milliseconds. */
  retryAfter?: number;
  /** Whether the server said it did not process the request (408, 429, 503). */
  notProcessed?: boolean;
}

/** The stream ended: by the server (retryable), or because the client closed (not). */
const ENDED: Outcome = { retryable: true, opened: true };
const LEFT: Outcome = { retryable: false, opened: true };
/** No stream, and no other attempt: a 204, or the client closed meanwhile. */
const STOPPED: Outcome = { retryable: false, opened: false };

/** Keys of the `onState` and `onInvalid` listeners among those of event types (strings). */
const STATE = 0;
const INVALID = 1;

/** One `for await` loop's queue. */
interface Subscriber<Event> {
  queue: Event[];
  /** Wakes the loop's pending `next()`. */
  wake?: () => void;
}

function checkOptions(options: ConnectOptions<Record<string, unknown>>): void {
  const id = options.lastEventId;
  if (id !== undefined && (typeof id !== 'string' || /[\r\n\0]/.test(id)))
    throw invalidOption('lastEventId', id, 'a string without CR, LF or NUL', 'type');
  const { gapEvent, parse, signal } = options;
  if (gapEvent !== undefined && gapEvent !== false && (typeof gapEvent !== 'string' || gapEvent === ''))
    throw invalidOption('gapEvent', gapEvent, 'an event name or false', 'type');
  if (parse !== undefined && parse !== 'json' && parse !== 'text' && typeof parse !== 'function')
    throw invalidOption('parse', parse, "'json', 'text' or a function", 'type');
  if (signal !== undefined && !(signal instanceof AbortSignal))
    throw invalidOption('signal', signal, 'an AbortSignal', 'type');
  for (const name of ['fetch', 'pause', 'share'] as const) {
    const value = options[name];
    if (value !== undefined && typeof value !== 'function')
      throw invalidOption(name, value, 'a function (see its doc comment)', 'type');
  }
}

/**
 * Calls every listener with `value`. A listener's error is thrown again outside the read loop, where
 * the app sees it, without stopping delivery to the others.
 */
function notify<T>(listeners: Iterable<(value: T) => void> | undefined, value: T): void {
  for (const listener of listeners ?? []) {
    try {
      listener(value);
    } catch (error) {
      setTimeout(() => {
        throw error;
      });
    }
  }
}

class Client<Events extends Record<string, unknown>> implements SSEClient<Events> {
  #state: ClientState = 'connecting';
  readonly #input: string | URL | Request;
  readonly #options: ConnectOptions<Events>;
  readonly #backoff: ResolvedBackoff;
  readonly #maxAttempts: number;
  readonly #maxRetryTime: number;
  readonly #stallTimeout: number | false;
  readonly #idempotent: boolean;
  readonly #gapEvent: string | false;
  readonly #fetch: (request: Request) => Promise<Response>;
  readonly #parser: EventStreamParser;
  /** Events the parser dispatched from the current chunk, delivered once it is parsed. */
  readonly #parsed: ParsedEvent[] = [];
  /** The listeners of each event type, and those of `onState` and `onInvalid` (number keys). */
  readonly #listeners = new Map<string | number, Set<(value: never) => void>>();
  readonly #subscribers = new Set<Subscriber<ClientEvent<Events>>>();
  /** Aborts the current attempt (request and body); replaced for every attempt. */
  #attempt: AbortController | undefined;
  #timer: ReturnType<typeof setTimeout> | undefined;
  /** Ends the backoff wait early when the client closes. */
  #endSleep: (() => void) | undefined;
  /** Resumes the read loop once every `for await` loop has taken its events (or the client closes). */
  #loopsCaughtUp: (() => void) | undefined;
  #fatal: unknown;
  #settle!: (value: unknown) => void;
  readonly done: Promise<unknown>;
  readonly #onAbort = () => this.close();
  /** With `share`: this client's end of the sharing. */
  #tabs: TabShare<ClientEvent<Events>> | undefined;
  /** Set while paused (the `pause` option); `resume` ends the wait of the read loop. */
  #pause: { resume?: () => void } | undefined;
  /** Stops the `pause` option's trigger. */
  #stopPauser: (() => void) | undefined;

  constructor(input: string | URL | Request, options: ConnectOptions<Events>) {
    checkOptions(options as ConnectOptions<Record<string, unknown>>);
    this.#input = input;
    this.#options = options;
    this.#backoff = resolveBackoff(options.backoff);
    this.#maxAttempts = checkNumberOption('maxAttempts', options.maxAttempts, {
      fallback: Infinity,
      min: 1,
      requirement: 'a number >= 1',
    });
    this.#maxRetryTime = checkNumberOption('maxRetryTime', options.maxRetryTime, {
      fallback: Infinity,
      min: 0,
      requirement: 'milliseconds >= 0',
    });
    this.#stallTimeout =
      options.stallTimeout === false || options.stallTimeout === undefined
        ? false
        : checkNumberOption('stallTimeout', options.stallTimeout, {
            above: 0,
            max: 2_147_483_647,
            requirement: 'milliseconds > 0, or false',
          });
    const method = (options.method ?? (input instanceof Request ? input.method : 'GET')).toUpperCase();
    this.#idempotent = IDEMPOTENT.has(method);
    this.#gapEvent = options.gapEvent ?? DEFAULT_GAP_EVENT;
    this.#fetch = options.fetch ?? ((request) => fetch(request));
    this.#parser = createParser(
      { onEvent: (event) => this.#parsed.push(event) },
      { maxEventBytes: options.maxEventBytes },
    );
    if (options.lastEventId) this.#resumeFrom(options.lastEventId);
    this.done = new Promise((resolve) => {
      this.#settle = resolve;
    });
    const { signal } = options;
    if (signal?.aborted) {
      this.#finish(undefined);
      return;
    }
    signal?.addEventListener('abort', this.#onAbort);
    this.#stopPauser = options.pause?.({
      pause: () => {
        if (this.#pause || this.#closed || !this.#canResend) return;
        this.#pause = {};
        this.#attempt?.abort();
        this.#endSleep?.();
        this.#setState('reconnecting', { paused: true });
      },
      resume: () => {
        const resume = this.#pause?.resume;
        this.#pause = undefined;
        resume?.();
      },
    });
    this.#tabs = options.share?.<ClientEvent<Events>>(
      `ssekit:${input instanceof Request ? input.url : input}`,
      {
        lead: () => {
          void this.#run();
          return this.done;
        },
        receive: (event) => {
          this.#resumeFrom(event.lastEventId);
          this.#deliver(event);
        },
        receiveState: (state) => this.#setState(state),
        closed: () => this.#closed,
      },
    );
    if (!this.#tabs) void this.#run();
  }

  /**
   * Sets the id to resume from. The parser is the one place the last event id lives: a data-less block
   * sets it exactly as the server's own `id:` would, and `end()` readies the parser for a body.
   */
  #resumeFrom(id: string): void {
    if (id === this.lastEventId) return;
    this.#parser.feed(`id:${id}\n\n`);
    this.#parser.end();
  }

  get readyState(): ClientState {
    return this.#state;
  }

  get lastEventId(): string {
    return this.#parser.lastEventId;
  }

  on<Type extends (keyof Events & string) | 'gap'>(
    type: Type,
    listener: (event: ClientEventOf<Events, Type>) => void,
  ): () => void {
    return this.#listen(type, listener);
  }

  onState(listener: (change: StateChange) => void): () => void {
    return this.#listen(STATE, listener);
  }

  onInvalid(listener: (invalid: InvalidEvent) => void): () => void {
    return this.#listen(INVALID, listener);
  }

  #listen<T>(key: string | number, listener: (value: T) => void): () => void {
    let set = this.#listeners.get(key);
    if (!set) {
      set = new Set();
      this.#listeners.set(key, set);
    }
    set.add(listener);
    return () => {
      set.delete(listener);
    };
  }

  /** Calls the listeners of `key` with `value`. */
  #notify(key: string | number, value: unknown): void {
    notify(this.#listeners.get(key) as Set<(value: unknown) => void> | undefined, value);
  }

  close(): void {
    this.#finish(undefined);
  }

  [Symbol.asyncIterator](): AsyncIterator<ClientEvent<Events>> {
    const subscriber: Subscriber<ClientEvent<Events>> = { queue: [] };
    if (this.#state !== 'closed') this.#subscribers.add(subscriber);
    let thrown = false;
    const next = async (): Promise<IteratorResult<ClientEvent<Events>>> => {
      while (true) {
        const event = subscriber.queue.shift();
        if (event) {
          // The read loop waits for every loop to empty its queue: tell it this one has.
          if (subscriber.queue.length === 0) this.#loopsCaughtUp?.();
          return { value: event, done: false };
        }
        if (this.#state === 'closed') {
          if (this.#fatal !== undefined && !thrown) {
            thrown = true;
            throw this.#fatal;
          }
          return { value: undefined, done: true };
        }
        await new Promise<void>((resolve) => {
          subscriber.wake = resolve;
        });
        subscriber.wake = undefined;
      }
    };
    return {
      next,
      return: async () => {
        this.#subscribers.delete(subscriber);
        this.close();
        return { value: undefined, done: true };
      },
    };
  }

  #setState(state: ClientState, change: Omit<StateChange, 'state'> = {}): void {
    this.#state = state;
    this.#tabs?.relayState(state);
    this.#notify(STATE, { state, ...change });
  }

  #finish(error: unknown): void {
    if (this.#state === 'closed') return;
    this.#fatal = error;
    this.#attempt?.abort();
    this.#attempt = undefined;
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#options.signal?.removeEventListener('abort', this.#onAbort);
    this.#stopPauser?.();
    this.#pause?.resume?.();
    this.#tabs?.close();
    this.#setState('closed', error === undefined ? {} : { error });
    this.#endSleep?.();
    this.#loopsCaughtUp?.();
    for (const subscriber of this.#subscribers) subscriber.wake?.();
    this.#subscribers.clear();
    this.#settle(error);
  }

  get #closed(): boolean {
    return this.#state === 'closed';
  }

  /** Whether the request may be sent again without running twice on the server. */
  get #canResend(): boolean {
    return this.#idempotent || this.#options.replay === true || this.lastEventId !== '';
  }

  async #run(): Promise<void> {
    let failures = 0;
    let failingSince = Date.now();
    for (let attempt = 1; !this.#closed; attempt++) {
      const pause = this.#pause;
      if (pause) {
        await new Promise<void>((resolve) => {
          pause.resume = resolve;
        });
        if (this.#closed) return;
      }
      const outcome = await this.#attemptOnce(attempt);
      if (this.#closed) return;
      // Cut on purpose while hidden: no failure, the next attempt waits for the page to be visible.
      if (this.#pause) {
        failures = 0;
        failingSince = Date.now();
        continue;
      }
      if (outcome.opened) {
        failures = 0;
        failingSince = Date.now();
      }
      const error = outcome.error;
      if (!outcome.retryable) return this.#finish(error);
      // A request that started work on the server is sent again only if it resumes from an id.
      if (!this.#idempotent && !this.#options.replay && this.lastEventId === '' && !outcome.notProcessed) {
        if (outcome.opened && error === undefined) return this.#finish(undefined);
        return this.#finish(
          new SSEClientError(
            'ERR_SSE_NOT_REPLAYABLE',
            'A POST with no last event id is not sent again (replay: true allows it).',
            { cause: error },
          ),
        );
      }
      failures++;
      const delay = backoffDelay(this.#backoff, failures, this.#parser.reconnectionTime, outcome.retryAfter);
      if (failures >= this.#maxAttempts || Date.now() + delay - failingSince > this.#maxRetryTime) {
        return this.#finish(
          new SSEClientError(
            'ERR_SSE_RETRIES_EXHAUSTED',
            `Gave up after ${failures} failed attempts (maxAttempts, maxRetryTime).`,
            { cause: error },
          ),
        );
      }
      this.#setState('reconnecting', { error, delay, attempt: attempt + 1 });
      await this.#sleep(delay);
    }
  }

  #sleep(ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      this.#endSleep = resolve;
      this.#timer = setTimeout(resolve, ms);
    }).then(() => {
      this.#endSleep = undefined;
      clearTimeout(this.#timer);
      this.#timer = undefined;
    });
  }

  async #attemptOnce(attempt: number): Promise<Outcome> {
    const controller = new AbortController();
    this.#attempt = controller;
    let response: Response;
    try {
      const context = { attempt, lastEventId: this.lastEventId };
      response = await this.#fetch(
        await buildRequest(this.#input, this.#options, context, controller.signal),
      );
    } catch (error) {
      // A network error, or a failing `headers`/`body` function: both are worth another try.
      return { error, retryable: true, opened: false };
    }
    if (this.#closed) {
      response.body?.cancel().catch(() => {});
      return STOPPED;
    }
    // 204 No Content: the server says "do not reconnect" (§9.2.1).
    if (response.status === 204) return STOPPED;
    const refused = await refusal(response);
    if (refused) {
      const { status } = refused;
      const retryAfter =
        status === 429 || status === 503 ? retryAfterMs(response.headers, Date.now()) : undefined;
      return {
        error: refused,
        retryable: refused.code === 'ERR_SSE_RETRYABLE_STATUS',
        opened: false,
        retryAfter,
        notProcessed: status === 408 || status === 429 || status === 503,
      };
    }
    this.#setState('open');
    return this.#read(response, controller);
  }

  async #read(response: Response, controller: AbortController): Promise<Outcome> {
    // A 200 with no body is an empty stream that ended at once.
    if (!response.body) return ENDED;
    const reader = response.body.getReader();
    let stalled = false;
    const armStall = () => {
      if (this.#stallTimeout === false) return;
      clearTimeout(this.#timer);
      this.#timer = setTimeout(() => {
        stalled = true;
        controller.abort();
        reader.cancel().catch(() => {});
      }, this.#stallTimeout);
    };
    const onAbort = () => reader.cancel().catch(() => {});
    controller.signal.addEventListener('abort', onAbort);
    try {
      armStall();
      while (true) {
        const { done, value } = await reader.read();
        if (this.#closed) return LEFT;
        if (stalled) break;
        if (done) return ENDED;
        clearTimeout(this.#timer);
        try {
          // Bytes go in as they come: the parser decodes UTF-8 across chunks and strips the BOM.
          this.#parser.feed(value);
        } catch (error) {
          // An event past maxEventBytes: the same server would send it again, so this is the end.
          return { error, retryable: false, opened: true };
        }
        await this.#deliverParsed();
        await this.#waitForLoops();
        if (this.#closed) return LEFT;
        armStall();
      }
    } catch (error) {
      if (this.#closed) return LEFT;
      if (!stalled) return { error, retryable: true, opened: true };
    } finally {
      clearTimeout(this.#timer);
      this.#timer = undefined;
      controller.signal.removeEventListener('abort', onAbort);
      // What was not ended by a blank line is discarded; the last id and retry are kept (§9.2.6).
      this.#parser.end();
      this.#parsed.length = 0;
    }
    return {
      error: new SSEClientError('ERR_SSE_STALLED', `No byte for ${this.#stallTimeout} ms (stallTimeout).`),
      retryable: true,
      opened: true,
    };
  }

  /** Holds the read loop (so TCP pushes back on the server) while a `for await` loop is behind. */
  async #waitForLoops(): Promise<void> {
    while (!this.#closed && [...this.#subscribers].some((subscriber) => subscriber.queue.length > 0)) {
      await new Promise<void>((resolve) => {
        this.#loopsCaughtUp = resolve;
      });
      this.#loopsCaughtUp = undefined;
    }
  }

  async #deliverParsed(): Promise<void> {
    const { parse, schemas } = this.#options;
    const options = {
      parse,
      schemas: schemas as Record<string, StandardSchemaV1> | undefined,
      gapEvent: this.#gapEvent,
    };
    for (const raw of this.#parsed.splice(0)) {
      const decoded = await decodeEvent<Events>(raw, options);
      if (this.#closed) return;
      if ('event' in decoded) this.#deliver(decoded.event);
      else this.#invalid(raw, decoded.issues);
    }
  }

  #invalid(raw: ParsedEvent, issues: unknown): void {
    const invalid: InvalidEvent = { ...raw, issues };
    if (!this.#listeners.get(INVALID)?.size) console.error('ssekit client: invalid event', invalid);
    this.#notify(INVALID, invalid);
  }

  #deliver(event: ClientEvent<Events>): void {
    // A value the other tabs cannot receive (not structured-cloneable) is reported like a listener's error.
    if (this.#tabs) notify([(relayed: ClientEvent<Events>) => this.#tabs?.relay(relayed)], event);
    this.#notify(event.type, event);
    for (const subscriber of this.#subscribers) {
      subscriber.queue.push(event);
      subscriber.wake?.();
    }
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
  return new Client<Events>(input, options);
}
