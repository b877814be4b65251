import type { SSETransport, TransportHandlers } from '../transport.js';
import { WriteBatch } from '../write-batch.js';

/** Bytes a burst may collect before they go out as one chunk. */
const MAX_CHUNK_BYTES = 16 * 1024;

function concat(parts: readonly Uint8Array[], size: number): Uint8Array {
  const joined = new Uint8Array(size);
  let offset = 0;
  for (const part of parts) {
    joined.set(part, offset);
    offset += part.byteLength;
  }
  return joined;
}

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

/**
 * An `SSETransport` over a web `ReadableStream` body, for Hono, Bun, Deno, Workers and any
 * fetch-style handler. Create it, open an `SSEStream` on it, and return `transport.response()`.
 */
export function webStreamTransport(options: WebStreamTransportOptions = {}): WebStreamTransport {
  const highWaterMark = options.highWaterMark ?? 64 * 1024;
  let handlers: TransportHandlers | undefined;
  let controller!: ReadableStreamDefaultController<Uint8Array>;
  let headers: Record<string, string> | undefined;
  let ended = false;
  let waitingForDrain = false;
  let clientGone = false;
  const onClientGone = () => {
    clientGone = true;
    handlers?.onDisconnect();
  };
  // A burst of events becomes one body chunk: every chunk costs the runtime a read, a promise and
  // a write to its connection, far more than copying the bytes together once.
  let held: Uint8Array[] = [];
  let heldBytes = 0;
  const release = () => {
    if (heldBytes === 0 || ended) return;
    const chunk = held.length === 1 ? (held[0] as Uint8Array) : concat(held, heldBytes);
    held = [];
    heldBytes = 0;
    controller.enqueue(chunk);
  };
  const batch = new WriteBatch(release, () => heldBytes >= MAX_CHUNK_BYTES);

  const body = new ReadableStream<Uint8Array>(
    {
      start(c) {
        controller = c;
      },
      pull() {
        // Room in the queue is not room yet while a held burst is still to be added to it.
        if (!waitingForDrain || (controller.desiredSize ?? 0) - heldBytes <= 0) return;
        waitingForDrain = false;
        handlers?.onDrain();
      },
      cancel() {
        onClientGone();
      },
    },
    { highWaterMark, size: (chunk) => chunk.byteLength },
  );

  return {
    attach(h) {
      handlers = h;
      if (options.signal?.aborted) queueMicrotask(onClientGone);
      else options.signal?.addEventListener('abort', onClientGone, { once: true });
    },
    open(h) {
      headers = h;
    },
    write(chunk) {
      held.push(chunk);
      heldBytes += chunk.byteLength;
      batch.add();
      const room = (controller.desiredSize ?? 0) - heldBytes > 0;
      if (!room) waitingForDrain = true;
      return room;
    },
    get bufferedBytes() {
      return ended ? 0 : highWaterMark - (controller.desiredSize ?? highWaterMark) + heldBytes;
    },
    end(discard) {
      if (ended) return;
      if (!discard) release();
      ended = true;
      held = [];
      heldBytes = 0;
      options.signal?.removeEventListener('abort', onClientGone);
      handlers = undefined;
      try {
        // Erroring the body is how a slow client's connection gets torn down. A client that left
        // has no connection to tear down, and an errored body makes the runtime log a failure
        // (@hono/node-server does, on every disconnect), so its body just ends.
        if (discard && !clientGone)
          controller.error(new Error('event stream closed: client gone or too slow'));
        else controller.close();
      } catch {
        // The body was cancelled by the runtime already: nothing is left to close.
      }
    },
    response() {
      if (!headers)
        throw new Error('webStreamTransport: open an SSEStream on it before asking for its response.');
      return new Response(body, { status: 200, headers });
    },
  };
}
