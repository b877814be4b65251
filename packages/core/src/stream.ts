import { encodeEvent } from './encode.js';
import { eventStreamHeaders } from './headers.js';
import { type HeartbeatScheduler, heartbeatScheduler } from './heartbeat.js';
import { readLastEventId } from './last-event-id.js';
import { type SSEOptions, validateSSEOptions } from './options.js';
import { type PipeSource, pipeToStream } from './pipe.js';
import { encodeText } from './slab.js';
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
  /** Whether the response may carry `Connection: keep-alive` (HTTP/1.x only). */
  connectionHeader: boolean;
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
export class SSEStream<Events extends Record<string, unknown> = Record<string, unknown>>
  implements TransportHandlers
{
  /**
   * The id the reconnecting client last saw: its `Last-Event-ID` header, or the configured query
   * parameter; `undefined` on a first connection.
   */
  readonly lastEventId: string | undefined;
  /** @internal Tick of the last write, read by the shared heartbeat scheduler. */
  lastWriteTick = 0;

  private readonly transport: SSETransport;
  private readonly serialize: Serializer;
  /** The bound on bytes queued for this client (the `maxBufferedBytes` option). */
  readonly maxBufferedBytes: number;
  private readonly scheduler: HeartbeatScheduler | undefined;
  private reason: CloseReason | undefined;
  private controller: AbortController | undefined;
  private drainWaiter: { promise: Promise<boolean>; resolve: (sent: boolean) => void } | undefined;
  private closeListeners: Array<(stream: SSEStream<Events>) => void> | undefined;

  /** Use `openSSEStream`; adapters do this for you. */
  constructor(request: StreamRequest, options: SSEOptions = {}) {
    const { heartbeat, maxBufferedBytes, retry, serializer, headers, lastEventIdQuery } =
      validateSSEOptions(options);
    this.transport = request.transport;
    this.serialize = serializer;
    this.maxBufferedBytes = maxBufferedBytes;
    this.lastEventId = readLastEventId(request.lastEventIdHeader, request.url, lastEventIdQuery);

    // Opened before attaching: if the response cannot be opened (headers already sent, an invalid
    // header value), nothing has been added to it and the framework can still answer with the error.
    this.transport.open(eventStreamHeaders({ connectionHeader: request.connectionHeader, headers }));
    this.transport.attach(this);
    if (request.headOnly) {
      this.shutdown('server');
      return;
    }
    this.scheduler = heartbeat === false ? undefined : heartbeatScheduler(heartbeat);
    this.scheduler?.add(this);
    if (retry !== undefined) this.writeBytes(encoder.encode(`retry: ${retry}\n\n`));
  }

  /** Whether the stream has closed (by `close()`, by the client leaving, or as a slow client). */
  get closed(): boolean {
    return this.reason !== undefined;
  }

  /** Why the stream closed, or `undefined` while it is open. */
  get closeReason(): CloseReason | undefined {
    return this.reason;
  }

  /** An AbortSignal that aborts when the stream closes for any reason. */
  get signal(): AbortSignal {
    if (!this.controller) {
      this.controller = new AbortController();
      if (this.reason !== undefined) this.controller.abort();
    }
    return this.controller.signal;
  }

  /** Bytes written to this stream that the client has not taken yet. */
  get bufferedBytes(): number {
    return this.reason === undefined ? this.transport.bufferedBytes : 0;
  }

  /**
   * Sends one event. A string `data` is sent verbatim; any other value goes through the serializer.
   * Returns a promise that resolves to `true` once the event is written and the client is keeping
   * up (await it to let a fast producer wait for a slow client), or to `false` when nothing was
   * sent because the stream is closed.
   *
   * @throws SSEFieldError / SSERangeError, synchronously and before writing anything, for an event
   *   name or id with a line break, an id with NUL, an invalid retry, or unserializable data.
   */
  send(...args: SendArgs<Events, SendOptions>): Promise<boolean> {
    return this.sendEvent(args[0], args[1] as SendOptions | undefined);
  }

  private sendEvent(data: unknown, options: SendOptions | undefined): Promise<boolean> {
    if (this.reason !== undefined) return NOT_SENT;
    const text = encodeEvent(
      options === undefined ? { data } : { data, event: options.event, id: options.id, retry: options.retry },
      this.serialize,
    );
    return this.writeBytes(encodeText(text));
  }

  /**
   * Writes a comment, which clients ignore (each line of `text` becomes its own `:` line). Returns
   * `false` when the stream is closed and nothing was written.
   */
  comment(text = ''): boolean {
    if (this.reason !== undefined) return false;
    this.writeBytes(encoder.encode(encodeEvent({ comment: text })));
    return true;
  }

  /**
   * Writes bytes that already form complete event blocks (from `encodeEvent`, or a channel's
   * broadcast encoded once for all its streams). Same result as `send`.
   */
  writeEncoded(bytes: Uint8Array): Promise<boolean> {
    if (this.reason !== undefined) return NOT_SENT;
    return this.writeBytes(bytes);
  }

  /**
   * Sends every item of an async iterable or ReadableStream as an event (strings verbatim, other
   * values through the serializer), waiting for a slow client between items. Stops, and releases
   * the source, when the client leaves or the stream closes. Resolves when the source is done or
   * the stream has closed; rejects if the source throws or an item cannot be encoded.
   */
  pipe(source: PipeSource<MessageData<Events>>, options?: SendOptions): Promise<void> {
    return pipeToStream(this, source, (item) => this.sendEvent(item, options));
  }

  /** Ends the response. Idempotent; later sends report that nothing was sent. */
  close(): void {
    this.shutdown('server');
  }

  /**
   * Closes the stream as a client too slow to keep (`closeReason` `'slow'`): what is still buffered
   * is discarded and the connection torn down. The stream does this itself past `maxBufferedBytes`;
   * a channel does it when events queued for a replaying client exceed that bound.
   */
  drop(): void {
    this.shutdown('slow');
  }

  /**
   * Calls `listener` once when the stream closes for any reason (at once if it already has).
   * Returns a function that removes the listener.
   */
  onClose(listener: (stream: SSEStream<Events>) => void): () => void {
    if (this.reason !== undefined) {
      listener(this);
      return () => {};
    }
    // A literal holds exactly the one listener most streams get (a channel's); `push` onto an
    // empty array would reserve room for 17 on every open stream.
    if (this.closeListeners === undefined) this.closeListeners = [listener];
    else this.closeListeners.push(listener);
    return () => {
      const index = this.closeListeners?.indexOf(listener) ?? -1;
      if (index !== -1) this.closeListeners?.splice(index, 1);
    };
  }

  /** @internal The client went away. */
  onDisconnect(): void {
    this.shutdown('client');
  }

  /** @internal Called by the heartbeat scheduler after a whole interval of silence. */
  heartbeat(): void {
    this.writeBytes(HEARTBEAT);
  }

  private writeBytes(bytes: Uint8Array): Promise<boolean> {
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

  /** @internal The transport has room again after refusing a write. */
  onDrain(): void {
    const waiter = this.drainWaiter;
    this.drainWaiter = undefined;
    waiter?.resolve(true);
  }

  private shutdown(reason: CloseReason): void {
    if (this.reason !== undefined) return;
    this.reason = reason;
    this.scheduler?.delete(this);
    this.transport.end(reason !== 'server');
    const waiter = this.drainWaiter;
    this.drainWaiter = undefined;
    waiter?.resolve(false);
    this.controller?.abort();
    const listeners = this.closeListeners;
    this.closeListeners = undefined;
    if (!listeners) return;
    for (const listener of listeners) {
      try {
        listener(this);
      } catch (error) {
        // The other listeners still run (they release channels, pipes and buffers), and the caller
        // (a broadcast loop, say) goes on; the error surfaces as an uncaught exception of its own.
        queueMicrotask(() => {
          throw error;
        });
      }
    }
  }
}

/**
 * Opens an event stream on a transport: sends the status and headers at once, writes the `retry`
 * hint if one is set, and starts heartbeats. Adapters call this; user code receives the stream.
 */
export function openSSEStream<Events extends Record<string, unknown> = Record<string, unknown>>(
  request: StreamRequest,
  options?: SSEOptions,
): SSEStream<Events> {
  return new SSEStream<Events>(request, options);
}
