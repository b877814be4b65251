import { Backlog } from '../backlog.js';
import { concatBytes, unshared } from '../slab.js';
import { type SSETransport, type TransportHandlers, writeLimit } from '../transport.js';
import { type BurstSink, WriteBatch } from '../write-batch.js';

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
   * For a server that could take the events some faster way than reading the body (a fetch-to-Node
   * bridge writing to a socket: `@ssekit/hono` on `@hono/node-server`). Called once, when the stream
   * attaches, with the stream's handlers: the server may report through `onDisconnect` a client
   * gone, or a response that will never carry this body. It returns the function asked whenever
   * the body's reader waits for a chunk while none is queued or held (so the reader has taken every
   * byte written so far, and a bridge that reads only after writing what it read has written
   * them): it gives the transport that carries the events from then on, or `undefined` to be asked
   * again next time. After the hand-over the stream writes to that transport and ends it itself
   * (see `TransportHandlers.moveTo`), and this one is let go: the body stays open, unread, and only
   * reports its cancel as the client leaving, so the server must cancel it once the response is
   * over (@hono/node-server does when the response closes). Giving it makes the body queue nothing
   * (high-water mark 0), so that a read request means exactly that; `highWaterMark` is then applied
   * to the bytes held here.
   */
  handOver?: ((handlers: TransportHandlers) => () => SSETransport | undefined) | undefined;
}

/** An `SSETransport` whose output is a web `Response`, for fetch-style frameworks and runtimes. */
export interface WebStreamTransport extends SSETransport {
  /**
   * The streaming `Response` (status 200, the stream's headers); available once the stream is
   * open, and once: its body can be sent only once.
   */
  response(): Response;
}

/**
 * An `SSETransport` over a web `ReadableStream` body, for Hono, Bun, Deno, Workers and any
 * fetch-style handler. Create it, open an `SSEStream` on it, and return `transport.response()`.
 * A burst of events becomes one body chunk: every chunk costs the runtime a read, a promise and a
 * write to its connection, far more than copying the bytes together once.
 */
export function webStreamTransport(options: WebStreamTransportOptions = {}): WebStreamTransport {
  return new WebTransport(options.signal, options.highWaterMark ?? 64 * 1024, options.handOver);
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
  /** Asked for the transport to hand the events over to (see the `handOver` option). */
  private handOver: (() => SSETransport | undefined) | undefined;
  /** Where events go once `handOver` has given a transport. */
  private direct: SSETransport | undefined;
  /** The body's source when there is a hand-over, which outlives this transport (see `BodySource`). */
  private readonly source: BodySource | undefined;
  constructor(
    private readonly signal: AbortSignal | undefined,
    highWaterMark: number,
    private connectHandOver: ((handlers: TransportHandlers) => () => SSETransport | undefined) | undefined,
  ) {
    // The option's value until `attach` lowers it to the stream's bound.
    this.limit = highWaterMark;
    // With a hand-over the stream's own high-water mark is 0, so that `pull` means the reader
    // waits on an empty queue, having taken all it read; `highWaterMark` is then applied here.
    this.queueLimit = connectHandOver === undefined ? highWaterMark : 0;
    // The transport is the body's underlying source (`start`, `pull`, `cancel` below): thousands
    // of open streams then cost no closures each. With a hand-over, a small object in front of it
    // is, so that the body, which lasts as long as the response, does not keep the transport.
    this.source = connectHandOver === undefined ? undefined : new BodySource(this);
    this.body = new ReadableStream<Uint8Array>(this.source ?? this, {
      highWaterMark: this.queueLimit,
      size: byteLength,
    });
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
      // A reader that asks for the first chunk may be taken off its read loop at once, before any
      // event is written.
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

  /**
   * @internal The request signal's `abort` listener: the transport itself listens (as an
   * `EventListenerObject`), so an open stream costs no closure for it.
   */
  handleEvent(): void {
    this.onClientGone();
  }

  private onClientGone(): void {
    this.clientGone = true;
    this.handlers?.onDisconnect();
  }

  attach(handlers: TransportHandlers): void {
    this.handlers = handlers;
    this.limit = writeLimit(handlers, this.limit);
    this.handOver = this.connectHandOver?.(handlers);
    this.connectHandOver = undefined;
    if (this.signal?.aborted) queueMicrotask(() => this.onClientGone());
    else this.signal?.addEventListener('abort', this, { once: true });
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
   * Offers the events to `handOver` while the reader has taken everything and waits for more. Once
   * it gives a transport, the stream moves to it (when it can) and the body reports only the
   * client leaving: nothing keeps this transport alive any more, about 150 bytes per stream.
   */
  private goDirect(): void {
    const { handlers, source } = this;
    if (handlers === undefined) return;
    const direct = this.handOver?.();
    if (direct === undefined) return;
    this.direct = direct;
    // What decided about the hand-over is not needed once it happened.
    this.handOver = undefined;
    if (source === undefined || handlers.moveTo === undefined) return;
    source.target = handlers;
    handlers.moveTo(direct);
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
      this.controller.enqueue(
        parts.length === 1 ? unshared(parts[0] as Uint8Array) : concatBytes(parts, size),
      );
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
    this.signal?.removeEventListener('abort', this);
    this.handlers = undefined;
    this.handOver = undefined;
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
    const { headers } = this;
    if (!headers) {
      throw new Error(
        this.handlers === undefined && !this.ended
          ? 'webStreamTransport: open an SSEStream on it before asking for its response.'
          : 'webStreamTransport: its response was already taken; a body can be sent only once.',
      );
    }
    // Not kept: the response has them, and an open stream need not hold a copy.
    this.headers = undefined;
    return new Response(this.body, { status: 200, headers });
  }
}

/**
 * The body's underlying source when there is a hand-over: the runtime keeps it, in the closures it
 * makes of `pull` and `cancel`, for as long as it keeps the body. It forwards to the transport until
 * the hand-over, then reports a cancel straight to the stream, which no longer needs the transport.
 */
class BodySource {
  constructor(public target: WebTransport | TransportHandlers) {}

  start(controller: ReadableStreamDefaultController<Uint8Array>): void {
    (this.target as WebTransport).start(controller);
  }

  pull(): void {
    if (this.target instanceof WebTransport) this.target.pull();
  }

  cancel(): void {
    if (this.target instanceof WebTransport) this.target.cancel();
    else this.target.onDisconnect();
  }
}

function byteLength(chunk: Uint8Array): number {
  return chunk.byteLength;
}
