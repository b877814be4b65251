import { encodeEvent } from './encode.js';
import { streamHeaders } from './headers.js';
import { type HeartbeatScheduler, type HeartbeatTarget, heartbeatScheduler } from './heartbeat.js';
import { readLastEventId } from './last-event-id.js';
import { type ResolvedSSEOptions, type SSEOptions, validateSSEOptions } from './options.js';
import { type PipeSource, pipeToStream } from './pipe.js';
import { jitterRetry } from './retry-jitter.js';
import { encodeText } from './slab.js';
import { joinGroup, leaveGroup, type StreamGroup } from './stream-group.js';
import type { SSETransport, TransportHandlers } from './transport.js';
import type { MessageData, SendArgs, SendOptions, Serializer } from './types.js';

const encoder = new TextEncoder();
const HEARTBEAT = encoder.encode(':\n\n');
const SENT: Promise<boolean> = Promise.resolve(true);
const NOT_SENT: Promise<boolean> = Promise.resolve(false);
/** The largest high-water mark of the transports core ships (the web stream's default, 64 KiB). */
const ALWAYS_CHECK_BELOW = 64 * 1024;

/**
 * Why a stream closed: `'server'` (`close()` was called), `'client'` (the client went away) or
 * `'slow'` (the client fell more than `maxBufferedBytes` behind and was dropped).
 */
export type CloseReason = 'server' | 'client' | 'slow';

/** What an adapter knows about the request that opens a stream. */
export interface StreamRequest {
  /** The transport that carries the response. */
  transport: SSETransport;
  /** The raw `Last-Event-ID` request header, if any. */
  lastEventIdHeader?: string | string[] | null | undefined;
  /** The request URL (absolute or path and query), for the last-event-id query parameter. */
  url?: string | undefined;
  /**
   * Whether ssekit writes `Connection: keep-alive` (and a `connection` entry of the `headers`
   * option): only on HTTP/1.x, and only where the server does not manage that header itself
   * (Node's `http`, Bun and Deno do; `nodeStreamRequest` passes `false`).
   */
  connectionHeader: boolean;
  /**
   * The group of the `sse(...)` that opens the stream, so a shutdown can drain it (it leaves the
   * group when it closes). Default: none.
   */
  group?: StreamGroup | undefined;
  /**
   * A HEAD request: the stream sends its status and headers, ends the response at once and is
   * closed (reason `'server'`), so no heartbeat runs and every send resolves `false`.
   */
  headOnly?: boolean;
}

/**
 * One client's event stream. Adapters hand it to user code as `res.sse`, `ctx.sse` or the Hono
 * handler's `stream`. Sending never throws once the stream is closed: it reports that nothing was
 * sent. Bad input (an event name with a newline, data the serializer cannot represent) throws a
 * typed error from the call that was given it, before any byte is written, so the stream stays usable.
 */
export interface SSEStream<Events extends Record<string, unknown> = Record<string, unknown>> {
  /**
   * The id the reconnecting client last saw: its `Last-Event-ID` header, or the configured query
   * parameter; `undefined` on a first connection.
   */
  readonly lastEventId: string | undefined;
  /** Whether the stream has closed (by `close()`, by the client leaving, or as a slow client). */
  readonly closed: boolean;
  /** Why the stream closed, or `undefined` while it is open. */
  readonly closeReason: CloseReason | undefined;
  /** An AbortSignal that aborts when the stream closes for any reason. */
  readonly signal: AbortSignal;
  /** Bytes written to this stream that the client has not taken yet. */
  readonly bufferedBytes: number;
  /**
   * Sends one event. A string `data` is sent verbatim; any other value goes through the serializer.
   * Returns a promise that resolves to `true` once the event is written and the client is keeping
   * up (await it to let a fast producer wait for a slow client), or to `false` when nothing was
   * sent because the stream is closed.
   *
   * @throws SSEFieldError / SSERangeError, synchronously and before writing anything, for an event
   *   name or id with a line break, an id with NUL, a lone surrogate, an invalid retry, or
   *   unserializable data.
   */
  send(...args: SendArgs<Events, SendOptions>): Promise<boolean>;
  /**
   * Writes a comment, which clients ignore (each line of `text` becomes its own `:` line). Returns
   * `false` when the stream is closed and nothing was written.
   */
  comment(text?: string): boolean;
  /**
   * Sends every item of an async iterable or ReadableStream as an event (strings verbatim, other
   * values through the serializer), waiting for a slow client between items. Stops, and releases
   * the source, when the client leaves or the stream closes. Resolves when the source is done or
   * the stream has closed; rejects if the source throws or an item cannot be encoded.
   */
  pipe(source: PipeSource<MessageData<Events>>, options?: SendOptions): Promise<void>;
  /** Ends the response. Idempotent; later sends report that nothing was sent. */
  close(): void;
  /**
   * Calls `listener` once when the stream closes for any reason (at once if it already has).
   * Returns a function that removes the listener.
   */
  onClose(listener: (stream: SSEStream<Events>) => void): () => void;
}

/**
 * What a channel reaches inside a stream, through `streamInternals`: module-private (exported from
 * this file for channel.ts, not from the package), so the public stream carries none of it.
 */
export interface StreamInternals {
  /** The bound on bytes queued for this client (the `maxBufferedBytes` option). */
  readonly maxBufferedBytes: number;
  /**
   * Writes bytes that already form complete event blocks (a channel's broadcast, encoded once for
   * all its streams). Same result as `send`. The bytes must not change afterwards: the transport
   * may still be sending them.
   */
  write(bytes: Uint8Array): Promise<boolean>;
  /**
   * Closes the stream as a client too slow to keep (`closeReason` `'slow'`): what is still buffered
   * is discarded and the connection torn down. A channel does this when events queued for a
   * replaying client exceed `maxBufferedBytes`.
   */
  drop(): void;
  /**
   * Calls `listener(stream)` once when the stream closes, like `onClose`, but returns no remover:
   * a channel or group shares one listener among all its streams and removes it by identity with
   * `removeCloseListener`, so joining allocates nothing per stream. The stream must be open.
   */
  addCloseListener(listener: (stream: never) => void): void;
  /** Removes a listener added with `addCloseListener` (or `onClose`). */
  removeCloseListener(listener: (stream: never) => void): void;
}

type CloseListener = (stream: never) => void;

/**
 * The machinery behind one stream: what its transport calls back (`TransportHandlers`), what the
 * heartbeat scheduler keeps alive, and what a channel reaches. Users hold the `EventStream` in
 * front of it, which has only the documented members.
 */
class StreamCore implements TransportHandlers, HeartbeatTarget, StreamInternals {
  /** Tick of the last write, read by the shared heartbeat scheduler. */
  lastWriteTick = 0;
  /** Replaced once at most, by a transport that hands its events over (see `moveTo`). */
  transport: SSETransport;
  readonly serialize: Serializer;
  readonly maxBufferedBytes: number;
  readonly scheduler: HeartbeatScheduler | undefined;
  reason: CloseReason | undefined;
  controller: AbortController | undefined;
  drainWaiter: { promise: Promise<boolean>; resolve: (sent: boolean) => void } | undefined;
  /** One listener as itself (most streams have exactly one: a channel's), more as an array. */
  closeListeners: CloseListener | CloseListener[] | undefined;
  /** The group the stream was opened with, while it is a member (see `joinGroup`). */
  group: StreamGroup | undefined;

  constructor(
    readonly stream: SSEStream<never>,
    request: StreamRequest,
    options: ResolvedSSEOptions,
  ) {
    const { heartbeat, maxBufferedBytes, retry, retryJitter, serializer, headers } = options;
    this.transport = request.transport;
    this.serialize = serializer;
    this.maxBufferedBytes = maxBufferedBytes;
    // Opened before attaching: if the response cannot be opened (headers already sent, an invalid
    // header value), nothing has been added to it and the framework can still answer with the error.
    this.transport.open(streamHeaders(request.connectionHeader, headers));
    this.transport.attach(this);
    if (request.headOnly) {
      this.shutdown('server');
      return;
    }
    this.scheduler = heartbeat === false ? undefined : heartbeatScheduler(heartbeat);
    this.scheduler?.add(this);
    if (retry !== undefined) this.writeBytes(encoder.encode(`retry: ${jitterRetry(retry, retryJitter)}\n\n`));
  }

  write(bytes: Uint8Array): Promise<boolean> {
    if (this.reason !== undefined) return NOT_SENT;
    return this.writeBytes(bytes);
  }

  drop(): void {
    this.shutdown('slow');
  }

  /** The client went away. */
  onDisconnect(): void {
    this.shutdown('client');
  }

  /** Called by the heartbeat scheduler after a whole interval of silence. */
  heartbeat(): void {
    this.writeBytes(HEARTBEAT);
  }

  /** The transport hands the stream over to `transport`, and can then be let go. */
  moveTo(transport: SSETransport): void {
    this.transport = transport;
  }

  /** The transport has room again after refusing a write. */
  onDrain(): void {
    const waiter = this.drainWaiter;
    this.drainWaiter = undefined;
    waiter?.resolve(true);
  }

  sendEvent(data: unknown, options: SendOptions | undefined): Promise<boolean> {
    if (this.reason !== undefined) return NOT_SENT;
    const text = encodeEvent(
      options === undefined ? { data } : { data, event: options.event, id: options.id, retry: options.retry },
      this.serialize,
    );
    return this.writeBytes(encodeText(text));
  }

  writeBytes(bytes: Uint8Array): Promise<boolean> {
    const transport = this.transport;
    // Checked before writing, so what a slow client holds never exceeds the bound (an event larger
    // than the bound still goes out on an empty buffer). While the transport takes bytes freely its
    // buffer is below its own high-water mark, so the check is needed only once it has refused one,
    // or when the bound is smaller than any transport's high-water mark.
    if (this.drainWaiter !== undefined || this.maxBufferedBytes < ALWAYS_CHECK_BELOW) {
      const buffered = transport.bufferedBytes;
      if (buffered > 0 && buffered + bytes.byteLength > this.maxBufferedBytes) {
        this.shutdown('slow');
        return NOT_SENT;
      }
    }
    const ready = transport.write(bytes);
    transport.flush?.();
    if (this.scheduler) this.lastWriteTick = this.scheduler.tick;
    if (ready) return SENT;
    if (!this.drainWaiter) {
      let resolve!: (sent: boolean) => void;
      const promise = new Promise<boolean>((r) => {
        resolve = r;
      });
      this.drainWaiter = { promise, resolve };
    }
    return this.drainWaiter.promise;
  }

  shutdown(reason: CloseReason): void {
    if (this.reason !== undefined) return;
    this.reason = reason;
    this.scheduler?.delete(this);
    this.transport.end(reason !== 'server');
    const waiter = this.drainWaiter;
    this.drainWaiter = undefined;
    waiter?.resolve(false);
    this.controller?.abort();
    const group = this.group;
    this.group = undefined;
    if (group !== undefined) leaveGroup(group, this.stream);
    const listeners = this.closeListeners;
    this.closeListeners = undefined;
    if (listeners === undefined) return;
    if (typeof listeners === 'function') this.notify(listeners);
    else for (const listener of listeners) this.notify(listener);
  }

  private notify(listener: CloseListener): void {
    try {
      listener(this.stream as never);
    } catch (error) {
      // The other listeners still run (they release channels, pipes and buffers), and the caller
      // (a broadcast loop, say) goes on; the error surfaces as an uncaught exception of its own.
      queueMicrotask(() => {
        throw error;
      });
    }
  }

  addCloseListener(listener: CloseListener): void {
    const listeners = this.closeListeners;
    if (listeners === undefined) this.closeListeners = listener;
    else if (typeof listeners === 'function') this.closeListeners = [listeners, listener];
    else listeners.push(listener);
  }

  /** Bound to a listener, this is the remover `onClose` returns: smaller than a closure. */
  removeCloseListener(this: StreamCore, listener: CloseListener): void {
    const listeners = this.closeListeners;
    if (listeners === listener) this.closeListeners = undefined;
    else if (Array.isArray(listeners)) {
      const index = listeners.indexOf(listener);
      if (index !== -1) listeners.splice(index, 1);
    }
  }
}

let coreOf: (stream: SSEStream<never>) => StreamCore;

/** What users hold: the documented members, in front of a private `StreamCore`. */
class EventStream<Events extends Record<string, unknown>> implements SSEStream<Events> {
  readonly #core: StreamCore;
  readonly lastEventId: string | undefined;

  static {
    coreOf = (stream) => (stream as EventStream<Record<string, unknown>>).#core;
  }

  constructor(request: StreamRequest, options: SSEOptions) {
    const resolved = validateSSEOptions(options);
    this.lastEventId = readLastEventId(request.lastEventIdHeader, request.url, resolved.lastEventIdQuery);
    const core = new StreamCore(this as SSEStream<never>, request, resolved);
    this.#core = core;
    const { group } = request;
    if (group !== undefined && core.reason === undefined && joinGroup(group, this as SSEStream<never>))
      core.group = group;
  }

  get closed(): boolean {
    return this.#core.reason !== undefined;
  }

  get closeReason(): CloseReason | undefined {
    return this.#core.reason;
  }

  get signal(): AbortSignal {
    const core = this.#core;
    if (!core.controller) {
      core.controller = new AbortController();
      if (core.reason !== undefined) core.controller.abort();
    }
    return core.controller.signal;
  }

  get bufferedBytes(): number {
    const core = this.#core;
    return core.reason === undefined ? core.transport.bufferedBytes : 0;
  }

  send(...args: SendArgs<Events, SendOptions>): Promise<boolean> {
    return this.#core.sendEvent(args[0], args[1] as SendOptions | undefined);
  }

  comment(text = ''): boolean {
    const core = this.#core;
    if (core.reason !== undefined) return false;
    core.writeBytes(encoder.encode(encodeEvent({ comment: text })));
    return true;
  }

  pipe(source: PipeSource<MessageData<Events>>, options?: SendOptions): Promise<void> {
    const core = this.#core;
    return pipeToStream(this, source, (item) => core.sendEvent(item, options));
  }

  close(): void {
    this.#core.shutdown('server');
  }

  onClose(listener: (stream: SSEStream<Events>) => void): () => void {
    const core = this.#core;
    if (core.reason !== undefined) {
      listener(this);
      return () => {};
    }
    const stored = listener as CloseListener;
    core.addCloseListener(stored);
    return core.removeCloseListener.bind(core, stored);
  }
}

/**
 * The seam through which a channel reaches a stream's internals: writing pre-encoded bytes,
 * dropping a slow client, its bound. Exported from this module for channel.ts, not from the package.
 */
export function streamInternals(stream: SSEStream<never>): StreamInternals {
  return coreOf(stream);
}

/**
 * Opens an event stream on a transport: sends the status and headers at once, writes the `retry`
 * hint if one is set, and starts heartbeats. Adapters call this; user code receives the stream.
 *
 * @throws SSERangeError / SSEFieldError for an invalid option, before touching the transport.
 */
export function openSSEStream<Events extends Record<string, unknown> = Record<string, unknown>>(
  request: StreamRequest,
  options: SSEOptions = {},
): SSEStream<Events> {
  return new EventStream<Events>(request, options);
}
