import { Backlog } from '../backlog.js';
import { EncodedBroadcast } from '../broadcast.js';
import { allocateBytes, concatBytes, unshared } from '../slab.js';
import { type SSETransport, type TransportHandlers, writeLimit } from '../transport.js';
import { type BurstSink, MAX_BATCH_BYTES, WriteBatch } from '../write-batch.js';

type Listener = () => void;

/** The parts of a Node `http.ServerResponse` (or `http2` compatibility response) the transport uses. */
export interface NodeResponseLike {
  writeHead(statusCode: number, headers: Record<string, string>): unknown;
  write(chunk: Uint8Array): boolean;
  end(): unknown;
  on(event: 'close' | 'drain', listener: Listener): unknown;
  removeListener(event: 'close' | 'drain', listener: Listener): unknown;
  flushHeaders?(): void;
  /** Added by compression middleware (`compression`): pushes out what the compressor holds. */
  flush?(): void;
  destroy?(): unknown;
  /** Whether the body goes out in HTTP/1.1 chunked framing (Node decides when the head is written). */
  readonly chunkedEncoding?: boolean;
  /** The connection, once the response has one (a pipelined response waits for its turn). */
  readonly socket?: unknown;
  readonly writableLength?: number;
  /** Whether the status line and headers have gone out. */
  readonly headersSent?: boolean;
  readonly writableEnded?: boolean;
  readonly writableFinished?: boolean;
  readonly destroyed?: boolean;
}

/** The parts of a Node socket the transport uses. */
export interface NodeSocketLike {
  setTimeout?(ms: number): unknown;
  setNoDelay?(noDelay?: boolean): unknown;
  /** For writing pre-framed chunks straight to the connection (see `nodeResponseTransport`). */
  write?(chunk: Uint8Array): boolean;
  on?(event: 'drain', listener: Listener): unknown;
  removeListener?(event: 'drain', listener: Listener): unknown;
  readonly writableLength?: number;
  /** How many `cork()` calls are pending: Node's `response.write` corks until the next tick. */
  readonly writableCorked?: number;
}

type DirectSocket = Required<Pick<NodeSocketLike, 'write' | 'on' | 'removeListener'>> & NodeSocketLike;

const CR = 0x0d;
const LF = 0x0a;

/**
 * Frames `parts` as one HTTP/1.1 chunk: `<hex length>\r\n<parts>\r\n`. On a slab unless `own`:
 * a frame the socket may keep (it is not taking everything at once) gets memory of its own.
 */
function frameChunk(parts: readonly Uint8Array[], size: number, own: boolean): Uint8Array {
  const hex = size.toString(16);
  const length = hex.length + size + 4;
  const frame = own ? new Uint8Array(length) : allocateBytes(length);
  for (let i = 0; i < hex.length; i++) frame[i] = hex.charCodeAt(i);
  let offset = hex.length;
  frame[offset++] = CR;
  frame[offset++] = LF;
  for (const part of parts) {
    frame.set(part, offset);
    offset += part.byteLength;
  }
  frame[offset++] = CR;
  frame[offset] = LF;
  return frame;
}

/** Frames a burst. A channel's broadcast alone in its burst is framed once, for all its streams. */
function frameBurst(parts: readonly Uint8Array[], size: number, own: boolean): Uint8Array {
  const first = parts[0];
  if (!(parts.length === 1 && first instanceof EncodedBroadcast)) return frameChunk(parts, size, own);
  if (first.framed === undefined) first.framed = frameChunk(parts, size, true);
  return first.framed;
}

/**
 * An `SSETransport` over a Node response, typed by shape so that core imports nothing from `node:`.
 * Express and Koa (and plain `node:http` or `node:http2` servers) share it. It turns off the
 * socket's idle timeout and Nagle's algorithm, so events leave at once and an idle stream is kept,
 * notices a disconnect from the response's `close` event, and calls the compression middleware's
 * `flush` after each write so events are not held back until a buffer fills. The events of a burst
 * (everything written before the producer pauses, see write-batch.ts) leave in one write.
 *
 * On a plain HTTP/1.1 chunked response it writes straight to the socket: a burst is one HTTP chunk
 * in one socket write, and a channel's broadcast is framed once for all its streams (see
 * `EncodedBroadcast`). Anything that changes the body on its way (compression middleware wrapping
 * `write`), HTTP/2, HTTP/1.0 and HEAD responses go through `response.write` instead.
 *
 * Once the connection has bytes queued, what it is handed is in memory of its own, and once it
 * refuses bytes, the rest is kept in a `Backlog` until it drains: a client that stops reading keeps
 * alive about what `bufferedBytes` charges it, not the shared slabs its events were encoded on.
 *
 * @param response the response to stream on; nothing may have been written to it yet
 * @param socket the connection, when there is one (HTTP/1.x); on HTTP/2 pass `undefined`
 */
export function nodeResponseTransport(
  response: NodeResponseLike,
  socket?: NodeSocketLike | null,
): SSETransport {
  return new NodeResponseTransport(response, socket ?? undefined);
}

/**
 * @internal Goes on writing, straight to the socket, on a response whose head a fetch-to-Node bridge
 * (@hono/node-server) has sent from a web `Response` whose body it has written so far, so that
 * events skip the bridge's body stream. Returns `undefined` when that is not safe: the head has not
 * gone out, the body is not sent in plain chunks, or bytes of the response are still queued. The
 * transport does not watch the response: the bridge keeps reading the body, and the caller hears
 * of the client leaving when the bridge cancels it (one `close` listener fewer on every response).
 */
export function continueNodeResponse(
  response: NodeResponseLike,
  handlers: TransportHandlers,
): SSETransport | undefined {
  const socket = response.socket as NodeSocketLike | undefined;
  if (response.headersSent !== true || !canWriteDirect(response, socket)) return undefined;
  const transport = new NodeResponseTransport(response, socket);
  transport.continueDirect(handlers);
  return transport;
}

// The bits of `NodeResponseTransport.state`: one field for three, 16 bytes less on every open stream.
/** Events go straight to the socket, not through `response.write`. */
const DIRECT = 1;
/** The connection refused bytes and its `drain` is awaited: till then, bytes go to the backlog. */
const BACKED_UP = 2;
/** `write` reported backpressure and the stream waits for `onDrain`. */
const WAITING_FOR_DRAIN = 4;

class NodeResponseTransport implements SSETransport, BurstSink {
  private handlers: TransportHandlers | undefined;
  /** `DIRECT`, `BACKED_UP` and `WAITING_FOR_DRAIN`, or'ed. */
  private state = 0;
  /** The events of the current burst; made on the first write. */
  private batch: WriteBatch | undefined;
  /** What the connection refused to take, kept until it drains; made the first time it refuses. */
  private backlog: Backlog | undefined;
  /** Listens for `drain` while the connection is backed up; made the first time it is. */
  private drainListener: (() => void) | undefined;
  /**
   * The response's `close` listener: a bound method, smaller than a closure on every open stream.
   * None when the events continue a bridge's response, whose body reader hears of the client leaving.
   */
  private onClose: (() => void) | undefined;

  constructor(
    private readonly response: NodeResponseLike,
    private readonly socket: NodeSocketLike | undefined,
  ) {}

  /** The socket events go straight to; `undefined` while they go through `response.write`. */
  private get direct(): DirectSocket | undefined {
    return (this.state & DIRECT) !== 0 ? (this.socket as DirectSocket) : undefined;
  }

  private get backedUp(): boolean {
    return (this.state & BACKED_UP) !== 0;
  }

  private set backedUp(on: boolean) {
    this.state = on ? this.state | BACKED_UP : this.state & ~BACKED_UP;
  }

  private get waitingForDrain(): boolean {
    return (this.state & WAITING_FOR_DRAIN) !== 0;
  }

  private set waitingForDrain(on: boolean) {
    this.state = on ? this.state | WAITING_FOR_DRAIN : this.state & ~WAITING_FOR_DRAIN;
  }

  private disconnected(): void {
    this.handlers?.onDisconnect();
  }

  /**
   * Writes directly from now on, to a response whose head was sent by someone else. Adds no `close`
   * listener: that someone reads the body these events skip, and cancels it when the client leaves.
   */
  continueDirect(handlers: TransportHandlers): void {
    this.state |= DIRECT;
    this.handlers = handlers;
  }

  attach(handlers: TransportHandlers): void {
    this.handlers = handlers;
    this.onClose = this.disconnected.bind(this);
    this.response.on('close', this.onClose);
  }

  open(headers: Record<string, string>): void {
    const { response, socket } = this;
    socket?.setTimeout?.(0);
    socket?.setNoDelay?.(true);
    response.writeHead(200, headers);
    response.flushHeaders?.();
    // Compression middleware holds the headers until the first body bytes unless flushed.
    response.flush?.();
    if (canWriteDirect(response, socket)) this.state |= DIRECT;
  }

  write(chunk: Uint8Array): boolean {
    if (this.batch === undefined) this.batch = new WriteBatch(this);
    this.batch.add(chunk);
    // The connection's own count (a socket's on the direct path: one getter, not the response's two).
    const queued = (this.direct ?? this.response).writableLength ?? 0;
    // Computed here rather than kept: one field less on every open stream.
    const limit = this.handlers === undefined ? MAX_BATCH_BYTES : writeLimit(this.handlers, MAX_BATCH_BYTES);
    if (queued + this.batch.bytes + (this.backlog === undefined ? 0 : this.backlog.bytes) < limit)
      return true;
    this.waitingForDrain = true;
    return false;
  }

  /**
   * @internal Ends a burst: its events leave in one write, as one HTTP chunk straight to the socket
   * or through `response.write` (then pushed past compression middleware with its `flush`).
   */
  sendBurst(parts: readonly Uint8Array[], size: number): void {
    const { direct, response } = this;
    if (this.backedUp) {
      // Copied into the backlog at once: a frame on a slab is only passing through.
      if (direct !== undefined) this.keep(frameBurst(parts, size, false));
      else for (const part of parts) this.keep(part);
      return;
    }
    // A connection that already has bytes queued keeps these too: then they get memory of their own.
    const own = ((direct ?? response).writableLength ?? 0) > 0;
    let bytes: Uint8Array;
    if (direct !== undefined) bytes = frameBurst(parts, size, own);
    else if (parts.length === 1) bytes = own ? unshared(parts[0] as Uint8Array) : (parts[0] as Uint8Array);
    else bytes = concatBytes(parts, size);
    if (!(direct ?? response).write(bytes)) this.backUp(direct ?? response);
    // Backpressure was reported for bytes that were only held here: if the connection took them
    // all, nothing else will say that there is room again.
    else if (this.waitingForDrain) this.drained();
    response.flush?.();
  }

  /** The connection refused bytes: keep the rest until it drains. */
  private backUp(sink: DirectSocket | NodeResponseLike): void {
    this.backedUp = true;
    if (this.drainListener === undefined) {
      this.drainListener = () => this.onConnectionDrain();
      sink.on('drain', this.drainListener);
    }
  }

  private keep(bytes: Uint8Array): void {
    if (this.backlog === undefined) this.backlog = new Backlog();
    this.backlog.append(bytes);
  }

  /** The connection has room again: what was kept goes out, and the stream hears of it. */
  private onConnectionDrain(): void {
    this.backedUp = false;
    this.writeBacklog();
    if (!this.backedUp && this.waitingForDrain) this.drained();
  }

  private writeBacklog(): void {
    const sink = this.direct ?? this.response;
    if (this.backlog === undefined || this.backlog.bytes === 0) return;
    // The blocks are the backlog's own memory: a socket may keep them as long as it likes.
    for (const block of this.backlog.take()) if (!sink.write(block)) this.backedUp = true;
    this.response.flush?.();
  }

  private drained(): void {
    this.waitingForDrain = false;
    this.handlers?.onDrain();
  }

  get bufferedBytes(): number {
    // On Node a response's writableLength already includes its socket's buffer.
    return (this.response.writableLength ?? 0) + (this.batch?.bytes ?? 0) + (this.backlog?.bytes ?? 0);
  }

  end(discard: boolean): void {
    const { response } = this;
    if (discard) this.batch?.discard();
    else {
      this.batch?.release();
      // The response flushes these before it ends; no `drain` is listened for any more.
      this.writeBacklog();
    }
    this.backlog = undefined;
    if (this.onClose !== undefined) response.removeListener('close', this.onClose);
    if (this.drainListener !== undefined)
      (this.direct ?? response).removeListener('drain', this.drainListener);
    this.handlers = undefined;
    // A response something else already finished (an error handler, say) has nothing to tear down.
    if (discard && !response.writableFinished) response.destroy?.();
    else if (!response.writableEnded) response.end();
  }
}

/**
 * Whether events may skip `response.write`: Node frames the body in chunks, nothing has wrapped
 * `write` (as compression middleware does), and the head has already reached this very socket with
 * nothing of the response still queued ahead of our bytes, nor corked by a `response.write` that
 * uncorks only on the next tick (which a producer awaiting `send` may never let come).
 */
function canWriteDirect(
  response: NodeResponseLike,
  socket: NodeSocketLike | undefined,
): socket is DirectSocket {
  return (
    socket !== undefined &&
    response.chunkedEncoding === true &&
    response.socket === socket &&
    !Object.hasOwn(response, 'write') &&
    response.flush === undefined &&
    typeof socket.write === 'function' &&
    typeof socket.on === 'function' &&
    !socket.writableCorked &&
    response.writableLength === socket.writableLength
  );
}
