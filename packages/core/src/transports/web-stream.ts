import type { SSETransport, TransportHandlers } from '../transport.js';
import { type Batched, holdWrite } from '../write-batch.js';

/** Options of `webStreamTransport`. */
export interface WebStreamTransportOptions {
  /**
   * The request's AbortSignal (`request.signal`): when it aborts, the client has gone away.
   * Runtimes also cancel the body stream on disconnect; either one closes the event stream.
   */
  signal?: AbortSignal | undefined;
  /** Bytes the body stream buffers before `write` reports backpressure. Default 64 KiB. */
  highWaterMark?: number;
}

/** An `SSETransport` whose output is a web `Response`, for fetch-style frameworks and runtimes. */
export interface WebStreamTransport extends SSETransport {
  /** The streaming `Response` (status 200, the stream's headers); available once the stream is open. */
  response(): Response;
}

/** Bytes a burst may collect before they go out as one chunk. */
const MAX_CHUNK_BYTES = 16 * 1024;

/**
 * An `SSETransport` over a web `ReadableStream` body, for Hono, Bun, Deno, Workers and any
 * fetch-style handler. Create it, open an `SSEStream` on it, and return `transport.response()`.
 * A burst of events becomes one body chunk: every chunk costs the runtime a read, a promise and a
 * write to its connection, far more than copying the bytes together once.
 */
export function webStreamTransport(options: WebStreamTransportOptions = {}): WebStreamTransport {
  return new WebTransport(options.signal, options.highWaterMark ?? 64 * 1024);
}

class WebTransport implements WebStreamTransport, Batched {
  private handlers: TransportHandlers | undefined;
  private controller!: ReadableStreamDefaultController<Uint8Array>;
  private readonly body: ReadableStream<Uint8Array>;
  private headers: Record<string, string> | undefined;
  private ended = false;
  private waitingForDrain = false;
  private clientGone = false;
  private held: Uint8Array[] = [];
  private heldBytes = 0;
  batchHeld = false;
  batchWrites = 0;
  batchTurns = 0;
  batchIdleTurns = 0;

  constructor(
    private readonly signal: AbortSignal | undefined,
    private readonly highWaterMark: number,
  ) {
    this.body = new ReadableStream<Uint8Array>(
      {
        start: (controller) => {
          this.controller = controller;
        },
        pull: () => {
          // Room in the queue is not room yet while a held burst is still to be added to it.
          if (!this.waitingForDrain || (this.controller.desiredSize ?? 0) - this.heldBytes <= 0) return;
          this.waitingForDrain = false;
          this.handlers?.onDrain();
        },
        cancel: () => this.onClientGone(),
      },
      { highWaterMark, size: (chunk) => chunk.byteLength },
    );
  }

  private readonly onClientGone = (): void => {
    this.clientGone = true;
    this.handlers?.onDisconnect();
  };

  attach(handlers: TransportHandlers): void {
    this.handlers = handlers;
    if (this.signal?.aborted) queueMicrotask(this.onClientGone);
    else this.signal?.addEventListener('abort', this.onClientGone, { once: true });
  }

  open(headers: Record<string, string>): void {
    this.headers = headers;
  }

  write(chunk: Uint8Array): boolean {
    this.held.push(chunk);
    this.heldBytes += chunk.byteLength;
    holdWrite(this);
    // A producer that writes a lot without pausing gets its bytes to the body as they pile up.
    if (this.heldBytes >= MAX_CHUNK_BYTES) this.releaseBatch();
    const room = (this.controller.desiredSize ?? 0) - this.heldBytes > 0;
    if (!room) this.waitingForDrain = true;
    return room;
  }

  get bufferedBytes(): number {
    if (this.ended) return 0;
    return this.highWaterMark - (this.controller.desiredSize ?? this.highWaterMark) + this.heldBytes;
  }

  /** @internal Ends a burst: what it wrote goes into the body as one chunk. */
  releaseBatch(): void {
    const { held, heldBytes } = this;
    if (heldBytes === 0 || this.ended) return;
    this.held = [];
    this.heldBytes = 0;
    this.controller.enqueue(held.length === 1 ? (held[0] as Uint8Array) : concat(held, heldBytes));
  }

  /** @internal Whether the burst holds enough bytes to go out now. */
  batchFull(): boolean {
    return this.heldBytes >= MAX_CHUNK_BYTES;
  }

  end(discard: boolean): void {
    if (this.ended) return;
    if (!discard) this.releaseBatch();
    this.ended = true;
    this.held = [];
    this.heldBytes = 0;
    this.signal?.removeEventListener('abort', this.onClientGone);
    this.handlers = undefined;
    try {
      // Erroring the body is how a slow client's connection gets torn down. A client that left
      // has no connection to tear down, and an errored body makes the runtime log a failure
      // (@hono/node-server does, on every disconnect), so its body just ends.
      if (discard && !this.clientGone)
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

function concat(parts: readonly Uint8Array[], size: number): Uint8Array {
  const joined = new Uint8Array(size);
  let offset = 0;
  for (const part of parts) {
    joined.set(part, offset);
    offset += part.byteLength;
  }
  return joined;
}
