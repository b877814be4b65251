import { allocateBytes } from '../slab.js';
import { type SSETransport, type TransportHandlers, writeLimit } from '../transport.js';
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
/** Bytes a burst may collect before they go out, and past which `write` reports backpressure. */
const MAX_HELD_BYTES = 16 * 1024;

let lastPayload: Uint8Array | undefined;
let lastFrame: Uint8Array | undefined;

/** Frames `parts` as one HTTP/1.1 chunk: `<hex length>\r\n<parts>\r\n`. */
function frameChunk(parts: readonly Uint8Array[], size: number): Uint8Array {
  const hex = size.toString(16);
  const frame = allocateBytes(hex.length + size + 4);
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

/**
 * Frames a single event. A broadcast hands the same bytes to every stream in a row, so the last
 * frame is kept: one frame per broadcast, not one per client.
 */
function frameEvent(payload: Uint8Array): Uint8Array {
  if (payload !== lastPayload) {
    lastFrame = frameChunk([payload], payload.byteLength);
    lastPayload = payload;
  }
  return lastFrame as Uint8Array;
}

/**
 * An `SSETransport` over a Node response, typed by shape so that core imports nothing from `node:`.
 * Express and Koa (and plain `node:http` or `node:http2` servers) share it. It turns off the
 * socket's idle timeout and Nagle's algorithm, so events leave at once and an idle stream is kept,
 * notices a disconnect from the response's `close` event, and calls the compression middleware's
 * `flush` after each write so events are not held back until a buffer fills.
 *
 * On a plain HTTP/1.1 chunked response it writes straight to the socket: the events of a burst
 * (everything written before the producer pauses, see write-batch.ts) leave as one HTTP chunk in
 * one socket write, and a broadcast of one event is framed once for all its streams. Anything that changes the
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

/**
 * @internal Goes on writing, straight to the socket, on a response whose head a fetch-to-Node bridge
 * (@hono/node-server) has sent from a web `Response` whose body it has written so far, so that
 * events skip the bridge's body stream. Returns `undefined` when that is not safe: the head has not
 * gone out, the body is not sent in plain chunks, or bytes of the response are still queued.
 */
export function continueNodeResponse(
  response: NodeResponseLike,
  handlers: TransportHandlers,
): SSETransport | undefined {
  const socket = response.socket as NodeSocketLike | undefined;
  if (response.headersSent !== true || !canWriteDirect(response, socket)) return undefined;
  const transport = new NodeResponseTransport(response, socket);
  transport.continueDirect(socket, handlers);
  return transport;
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
  private readonly onDrain = (): void => {
    if (this.direct) {
      if (!this.waitingForDrain) return;
      this.waitingForDrain = false;
    }
    this.handlers?.onDrain();
  };
  /** Events of the current burst, sent as one chunk when it ends (direct writes only). */
  private held: Uint8Array[] = [];
  private heldBytes = 0;
  private waitingForDrain = false;
  /** Bytes held and queued on the socket past which a direct `write` reports backpressure. */
  private limit = MAX_HELD_BYTES;
  // The bookkeeping of the write batch (see write-batch.ts).
  batchHeld = false;
  batchWrites = 0;
  batchTurns = 0;
  batchIdleTurns = 0;

  /** @internal Ends a burst: its events leave as one chunk, in one write to the socket. */
  releaseBatch(): void {
    const { direct, held, heldBytes } = this;
    if (!direct || heldBytes === 0) return;
    this.held = [];
    this.heldBytes = 0;
    const sent = direct.write(
      held.length === 1 ? frameEvent(held[0] as Uint8Array) : frameChunk(held, heldBytes),
    );
    // Backpressure was reported for bytes that were only held here: if the socket took them all,
    // nothing else will say that there is room again.
    if (sent) this.onDrain();
  }

  /** @internal Whether the burst holds enough bytes to go out now. */
  batchFull(): boolean {
    return this.heldBytes >= MAX_HELD_BYTES;
  }

  /** Writes directly from now on, to a response whose head was sent by someone else. */
  continueDirect(socket: DirectSocket, handlers: TransportHandlers): void {
    this.direct = socket;
    this.attach(handlers);
  }

  attach(handlers: TransportHandlers): void {
    this.handlers = handlers;
    this.limit = writeLimit(handlers, MAX_HELD_BYTES);
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
    this.held.push(chunk);
    this.heldBytes += chunk.byteLength;
    holdWrite(this);
    // A producer that writes a lot without pausing gets its bytes to the socket as they pile up.
    if (this.heldBytes >= MAX_HELD_BYTES) this.releaseBatch();
    if (this.heldBytes + (direct.writableLength ?? 0) < this.limit) return true;
    this.waitingForDrain = true;
    return false;
  }

  get bufferedBytes(): number {
    // On Node a response's writableLength already includes its socket's buffer.
    return (this.response.writableLength ?? 0) + this.heldBytes;
  }

  end(discard: boolean): void {
    const { response } = this;
    if (!discard) this.releaseBatch();
    this.held = [];
    this.heldBytes = 0;
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
