import { allocateBytes } from '../slab.js';
import type { SSETransport, TransportHandlers } from '../transport.js';
import { type Batched, holdWrite } from '../write-batch.js';

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
  cork?(): void;
  uncork?(): void;
  on?(event: 'drain', listener: Listener): unknown;
  removeListener?(event: 'drain', listener: Listener): unknown;
  readonly writableLength?: number;
}

type DirectSocket = Required<Pick<NodeSocketLike, 'write' | 'cork' | 'uncork' | 'on' | 'removeListener'>> &
  NodeSocketLike;

const CR = 0x0d;
const LF = 0x0a;
/** Bytes a burst may hold in a corked socket before they are sent. */
const MAX_CORKED_BYTES = 16 * 1024;
let lastPayload: Uint8Array | undefined;
let lastFrame: Uint8Array | undefined;

/**
 * Frames `payload` as one HTTP/1.1 chunk (`<hex length>\r\n<payload>\r\n`). A broadcast hands the
 * same bytes to every stream in a row, so the last frame is kept: one frame per broadcast, not per client.
 */
function chunkFrame(payload: Uint8Array): Uint8Array {
  if (payload === lastPayload) return lastFrame as Uint8Array;
  const size = payload.byteLength.toString(16);
  const start = size.length + 2;
  const frame = allocateBytes(start + payload.byteLength + 2);
  for (let i = 0; i < size.length; i++) frame[i] = size.charCodeAt(i);
  frame[start - 2] = CR;
  frame[start - 1] = LF;
  frame.set(payload, start);
  frame[frame.length - 2] = CR;
  frame[frame.length - 1] = LF;
  lastPayload = payload;
  lastFrame = frame;
  return frame;
}

/**
 * An `SSETransport` over a Node response, typed by shape so that core imports nothing from `node:`.
 * Express and Koa (and plain `node:http` or `node:http2` servers) share it. It turns off the
 * socket's idle timeout and Nagle's algorithm, so events leave at once and an idle stream is kept,
 * notices a disconnect from the response's `close` event, and calls the compression middleware's
 * `flush` after each write so events are not held back until a buffer fills.
 *
 * On a plain HTTP/1.1 chunked response it writes each event as a pre-framed chunk straight to the
 * socket, corked until the end of the current task, so a burst of events leaves in one `writev`
 * per connection and a broadcast is framed once for all its streams. Anything that changes the
 * body on its way (compression middleware wrapping `write`), HTTP/2, HTTP/1.0 and HEAD responses
 * go through `response.write` instead.
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

class NodeResponseTransport implements SSETransport, Batched {
  private handlers: TransportHandlers | undefined;
  private direct: DirectSocket | undefined;
  readonly flush: (() => void) | undefined;

  constructor(
    private readonly response: NodeResponseLike,
    private readonly socket: NodeSocketLike | undefined,
  ) {
    this.flush = response.flush ? () => response.flush?.() : undefined;
  }

  private readonly onClose = (): void => this.handlers?.onDisconnect();
  private readonly onDrain = (): void => this.handlers?.onDrain();
  // The bookkeeping of the write batch that keeps the socket corked through a burst (see write-batch.ts).
  batchHeld = false;
  batchWrites = 0;
  batchTurns = 0;
  batchIdleTurns = 0;

  /** @internal Ends a burst: the corked frames leave in one `writev`. */
  releaseBatch(): void {
    this.direct?.uncork();
  }

  /** @internal Whether the burst holds enough bytes to go out now. */
  batchFull(): boolean {
    return (this.direct?.writableLength ?? 0) >= MAX_CORKED_BYTES;
  }

  attach(handlers: TransportHandlers): void {
    this.handlers = handlers;
    this.response.on('close', this.onClose);
    // Direct writes bypass the response, so only the socket knows when its buffer has drained.
    if (this.direct) this.direct.on('drain', this.onDrain);
    else this.response.on('drain', this.onDrain);
  }

  open(headers: Record<string, string>): void {
    const { response, socket } = this;
    socket?.setTimeout?.(0);
    socket?.setNoDelay?.(true);
    response.writeHead(200, headers);
    response.flushHeaders?.();
    // Compression middleware holds the headers until the first body bytes unless flushed.
    response.flush?.();
    if (canWriteDirect(response, socket)) this.direct = socket;
  }

  write(chunk: Uint8Array): boolean {
    const direct = this.direct;
    if (!direct) return this.response.write(chunk);
    if (holdWrite(this)) direct.cork();
    return direct.write(chunkFrame(chunk));
  }

  get bufferedBytes(): number {
    // On Node a response's writableLength already includes its socket's buffer.
    return this.response.writableLength ?? 0;
  }

  end(discard: boolean): void {
    const { response } = this;
    response.removeListener('close', this.onClose);
    if (this.direct) this.direct.removeListener('drain', this.onDrain);
    else response.removeListener('drain', this.onDrain);
    this.handlers = undefined;
    // A response something else already finished (an error handler, say) has nothing to tear down.
    if (discard && !response.writableFinished) response.destroy?.();
    else if (!response.writableEnded) response.end();
  }
}

/**
 * Whether events may skip `response.write`: Node frames the body in chunks, nothing has wrapped
 * `write` (as compression middleware does), and the head has already reached this very socket with
 * nothing of the response still queued ahead of our bytes.
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
    typeof socket.cork === 'function' &&
    typeof socket.uncork === 'function' &&
    typeof socket.on === 'function' &&
    response.writableLength === socket.writableLength
  );
}
