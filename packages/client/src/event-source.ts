import type { BackoffOptions } from './backoff.js';
import { type ConnectOptions, connect, type SSEClient } from './connect.js';
import type { RequestOptions } from './request.js';

/**
 * The standard `EventSourceInit` (`withCredentials`) plus ssekit's extensions: what a browser's
 * EventSource cannot do (headers, method, body) and how it reconnects.
 */
export interface EventSourceInit extends RequestOptions {
  /** Send cookies on cross-origin requests (`credentials: 'include'`). Default `false`. */
  withCredentials?: boolean;
  /** Delays between attempts; see `connect`. Default: initial 1000, max 30000, factor 2. */
  backoff?: BackoffOptions;
  /** Give up after this many consecutive failed attempts. Default `Infinity`. */
  maxAttempts?: number;
  /** Reconnect when no byte arrives for this long (milliseconds). Default `false`: off. */
  stallTimeout?: number | false;
  /** The `fetch` to use (Hono's `app.request`, a proxy-aware fetch). Default: the global `fetch`. */
  fetch?: ConnectOptions['fetch'];
  /** The id to resume from on the first request. Default `''`. */
  lastEventId?: string;
}

type Handler = ((this: EventSource, event: Event) => unknown) | null;
type MessageHandler = ((this: EventSource, event: MessageEvent) => unknown) | null;

const CONNECTING = 0;
const OPEN = 1;
const CLOSED = 2;

/**
 * A drop-in for the browser's `EventSource` (`onopen`, `onmessage`, `onerror`, `addEventListener`,
 * `readyState`, `close`), built on `connect`: change the import and pass headers, a method, a body
 * or a backoff in the second argument. It differs where the standard cannot serve: a 5xx, 408 or
 * 429 is retried (with backoff) instead of closing, and reconnection follows `backoff` with the
 * server's `retry` as a floor. Events arrive as `MessageEvent`s with the data as text.
 *
 * @see https://html.spec.whatwg.org/multipage/server-sent-events.html#the-eventsource-interface
 */
export class EventSource extends EventTarget {
  static readonly CONNECTING = CONNECTING;
  static readonly OPEN = OPEN;
  static readonly CLOSED = CLOSED;
  readonly CONNECTING = CONNECTING;
  readonly OPEN = OPEN;
  readonly CLOSED = CLOSED;
  /** The URL, resolved. */
  readonly url: string;
  /** Whether cookies go with cross-origin requests. */
  readonly withCredentials: boolean;
  readonly #client: SSEClient;
  /** Set by `close()`, after which no `error` is announced. */
  #closing = false;
  readonly #handlers: { open: Handler; message: MessageHandler; error: Handler } = {
    open: null,
    message: null,
    error: null,
  };

  constructor(url: string | URL, init: EventSourceInit = {}) {
    super();
    const base = (globalThis as { location?: { href: string } }).location?.href;
    this.url = new URL(url, base).href;
    this.withCredentials = init.withCredentials === true;
    const { withCredentials: _, ...options } = init;
    this.#client = connect(this.url, {
      credentials: this.withCredentials ? 'include' : 'same-origin',
      ...options,
      parse: 'text',
      gapEvent: false,
    });
    for (const type of ['open', 'message', 'error'] as const) {
      this.addEventListener(type, (event) => {
        (this.#handlers[type] as Handler)?.call(this, event);
      });
    }
    this.#client.onState(({ state }) => {
      if (state === 'open') this.dispatchEvent(new Event('open'));
      // A lost connection that will be retried, or the end: both are `error` (§9.2.3).
      else if (state === 'reconnecting' || (state === 'closed' && !this.#closing))
        this.dispatchEvent(new Event('error'));
    });
    void this.#read();
  }

  async #read(): Promise<void> {
    const origin = new URL(this.url).origin;
    try {
      for await (const event of this.#client) {
        const { type, data, lastEventId } = event as { type: string; data: string; lastEventId: string };
        this.dispatchEvent(new MessageEvent(type, { data, lastEventId, origin }));
      }
    } catch {
      // The fatal error was announced as `error` with readyState CLOSED.
    }
  }

  /** `CONNECTING` (0), `OPEN` (1) or `CLOSED` (2). */
  get readyState(): number {
    const state = this.#client.readyState;
    return state === 'open' ? OPEN : state === 'closed' ? CLOSED : CONNECTING;
  }

  get onopen(): Handler {
    return this.#handlers.open;
  }
  set onopen(handler: Handler) {
    this.#handlers.open = handler;
  }
  get onmessage(): MessageHandler {
    return this.#handlers.message;
  }
  set onmessage(handler: MessageHandler) {
    this.#handlers.message = handler;
  }
  get onerror(): Handler {
    return this.#handlers.error;
  }
  set onerror(handler: Handler) {
    this.#handlers.error = handler;
  }

  /** Closes the connection for good; no `error` event follows (§9.2.2 close()). */
  close(): void {
    this.#closing = true;
    this.#client.close();
  }
}
