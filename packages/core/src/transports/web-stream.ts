import { Backlog } from '../backlog.js';
import { unshared } from '../slab.js';
import { type SSETransport, type TransportHandlers, writeLimit } from '../transport.js';
import { type BurstSink, WriteBatch } from '../write-batch.js';
import { continueNodeResponse, type NodeResponseLike } from './node-response.js';

/** Options of `webStreamTransport`. */
export interface WebStreamTransportOptions {
  /**
   * The request's AbortSignal (`request.signal`): when it aborts, the client has gone away.
   * Runtimes also cancel the body stream on disconnect; either one closes the event stream.
   */
  signal?: AbortSignal | undefined;
  /**
   * Bytes the body stream buffers before `write` reports backpressure. Default 64 KiB, or half the
   * stream's `maxBufferedBytes` when that is lower.
   */
  highWaterMark?: number;
  /**
   * For a fetch-to-Node bridge (@hono/node-server): returns the Node response it writes this body
   * to, or `undefined` while it does not (a middleware replaced the body, say). Once the bridge has
   * sent the head and written every chunk so far, events go straight to the response's socket, as
   * `nodeResponseTransport` writes them, instead of through the body stream and the bridge's read
   * loop; the body then stays open, unread, until the event stream ends. Status and headers are
   * still the bridge's, so whatever middleware set on the `Response` goes out as usual.
   */
  nodeResponse?: (() => NodeResponseLike | undefined) | undefined;
}

/** An `SSETransport` whose output is a web `Response`, for fetch-style frameworks and runtimes. */
export interface WebStreamTransport extends SSETransport {
  /** The streaming `Response` (status 200, the stream's headers); available once the stream is open. */
  response(): Response;
}

/**
 * An `SSETransport` over a web `ReadableStream` body, for Hono, Bun, Deno, Workers and any
 * fetch-style handler. Create it, open an `SSEStream` on it, and return `transport.response()`.
 * A burst of events becomes one body chunk: every chunk costs the runtime a read, a promise and a
 * write to its connection, far more than copying the bytes together once.
 */
export function webStreamTransport(options: WebStreamTransportOptions = {}): WebStreamTransport {
  return new WebTransport(options.signal, options.highWaterMark ?? 64 * 1024, options.nodeResponse);
}

class WebTransport implements WebStreamTransport, BurstSink {
  private handlers: TransportHandlers | undefined;
  private controller!: ReadableStreamDefaultController<Uint8Array>;
  private readonly body: ReadableStream<Uint8Array>;
  /** The body stream's own high-water mark. */
  private readonly queueLimit: number;
  private headers: Record<string, string> | undefined;
  private ended = false;
  private waitingForDrain = false;
  private clientGone = false;
  /** Bytes queued and held past which `write` reports backpressure. */
  private limit: number;
  /** The events of the current burst; made on the first write. */
  private batch: WriteBatch | undefined;
  /**
   * Bursts written while the body's queue still holds an unread chunk, copied together until the
   * reader asks for more: a reader that stops would otherwise keep one queued chunk per burst.
   */
  private backlog: Backlog | undefined;
  /** Whether the reader waits for a chunk, having taken (and, for a bridge, written) all before it. */
  private readPending = false;
  /** Where events go once a fetch-to-Node bridge has sent the head (see `nodeResponse`). */
  private direct: SSETransport | undefined;
  constructor(
    private readonly signal: AbortSignal | undefined,
    private readonly highWaterMark: number,
    private nodeResponse: (() => NodeResponseLike | undefined) | undefined,
  ) {
    this.limit = highWaterMark;
    // With a bridge the stream's own high-water mark is 0, so that `pull` means the bridge waits
    // on an empty queue, having written all it read; `highWaterMark` is then applied here.
    this.queueLimit = nodeResponse === undefined ? highWaterMark : 0;
    // The transport is the body's underlying source (`start`, `pull`, `cancel` below): thousands
    // of open streams then cost no closures each.
    this.body = new ReadableStream<Uint8Array>(this, { highWaterMark: this.queueLimit, size: byteLength });
  }

  /** @internal Underlying source: keeps the body's controller. */
  start(controller: ReadableStreamDefaultController<Uint8Array>): void {
    this.controller = controller;
  }

  /** @internal Underlying source: the reader wants more. */
  pull(): void {
    if (this.backlog !== undefined && this.backlog.bytes > 0) {
      // The backlog's blocks are its own memory: the reader may keep them as long as it likes.
      for (const block of this.backlog.take()) this.controller.enqueue(block);
    } else if (this.queueLimit === 0) {
      this.readPending = true;
      // A bridge that has sent the head and asks for the first chunk is taken off its read loop
      // at once, before any event is written.
      if (this.direct === undefined && this.heldBytes === 0) this.goDirect();
    }
    // Room in the queue is not room yet while a held burst is still to be added to it.
    if (!this.waitingForDrain || this.bufferedBytes >= this.limit) return;
    this.waitingForDrain = false;
    this.handlers?.onDrain();
  }

  /** @internal Underlying source: the runtime cancelled the body (the client left). */
  cancel(): void {
    this.onClientGone();
  }

  /** Bytes in the body's queue, not read yet. */
  private get queuedBytes(): number {
    return this.queueLimit - (this.controller.desiredSize ?? this.queueLimit);
  }

  private readonly onClientGone = (): void => {
    this.clientGone = true;
    this.handlers?.onDisconnect();
  };

  attach(handlers: TransportHandlers): void {
    this.handlers = handlers;
    this.limit = writeLimit(handlers, this.highWaterMark);
    if (this.signal?.aborted) queueMicrotask(this.onClientGone);
    else this.signal?.addEventListener('abort', this.onClientGone, { once: true });
  }

  open(headers: Record<string, string>): void {
    this.headers = headers;
  }

  write(chunk: Uint8Array): boolean {
    if (this.direct === undefined && this.readPending && this.heldBytes === 0) this.goDirect();
    if (this.direct !== undefined) return this.direct.write(chunk);
    if (this.batch === undefined) this.batch = new WriteBatch(this);
    this.batch.add(chunk);
    const room = this.bufferedBytes < this.limit;
    if (!room) this.waitingForDrain = true;
    return room;
  }

  /** Bytes of the current burst, not in the body yet. */
  private get heldBytes(): number {
    return this.batch?.bytes ?? 0;
  }

  /**
   * Moves to the Node response's socket once its bridge has written everything the body held:
   * it reads only after writing what it read before, and nothing was added since it asked.
   */
  private goDirect(): void {
    const response = this.nodeResponse?.();
    if (response === undefined || this.handlers === undefined || response.headersSent !== true) return;
    this.direct = continueNodeResponse(response, this.handlers);
    // The bridge and what decided about it are not needed once the socket is ours.
    if (this.direct !== undefined) this.nodeResponse = undefined;
  }

  get bufferedBytes(): number {
    if (this.ended) return 0;
    if (this.direct !== undefined) return this.direct.bufferedBytes;
    return this.queuedBytes + this.heldBytes + (this.backlog?.bytes ?? 0);
  }

  /**
   * @internal Ends a burst: what it wrote goes into the body as one chunk of its own memory (a
   * reader may keep a chunk as long as it likes, so no slab view goes in), or into the backlog
   * while the body still holds an unread chunk.
   */
  sendBurst(parts: readonly Uint8Array[], size: number): void {
    if (this.ended) return;
    this.readPending = false;
    if (this.queuedBytes > 0 || (this.backlog !== undefined && this.backlog.bytes > 0)) {
      if (this.backlog === undefined) this.backlog = new Backlog();
      for (const part of parts) this.backlog.append(part);
    } else
      this.controller.enqueue(parts.length === 1 ? unshared(parts[0] as Uint8Array) : concat(parts, size));
  }

  end(discard: boolean): void {
    if (this.ended) return;
    if (discard) this.batch?.discard();
    else {
      this.batch?.release();
      // The body closes after what it holds: the kept bursts go in first.
      for (const block of this.backlog?.take() ?? []) this.controller.enqueue(block);
    }
    // The socket's bytes go first; the bridge ends the response when the body closes below.
    this.direct?.end(discard);
    this.ended = true;
    this.backlog = undefined;
    this.signal?.removeEventListener('abort', this.onClientGone);
    this.handlers = undefined;
    try {
      // Erroring the body is how a slow client's connection gets torn down. A client that left
      // has no connection to tear down, and an errored body makes the runtime log a failure
      // (@hono/node-server does, on every disconnect), so its body just ends.
      if (discard && !this.clientGone && this.direct === undefined)
        this.controller.error(new Error('event stream closed: client gone or too slow'));
      else this.controller.close();
    } catch {
      // The body was cancelled by the runtime already: nothing is left to close.
    }
  }

  response(): Response {
    if (!this.headers)
      throw new Error('webStreamTransport: open an SSEStream on it before asking for its response.');
    return new Response(this.body, { status: 200, headers: this.headers });
  }
}

function byteLength(chunk: Uint8Array): number {
  return chunk.byteLength;
}

function concat(parts: readonly Uint8Array[], size: number): Uint8Array {
  const joined = new Uint8Array(size);
  let offset = 0;
  for (const part of parts) {
    joined.set(part, offset);
    offset += part.byteLength;
  }
  return joined;
}
