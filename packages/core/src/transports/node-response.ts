import type { SSETransport, TransportHandlers } from '../transport.js';

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
  readonly writableLength?: number;
  readonly writableEnded?: boolean;
  readonly writableFinished?: boolean;
  readonly destroyed?: boolean;
}

/** The parts of a Node socket the transport tunes for a long-lived stream. */
export interface NodeSocketLike {
  setTimeout?(ms: number): unknown;
  setNoDelay?(noDelay?: boolean): unknown;
}

/**
 * An `SSETransport` over a Node response, typed by shape so that core imports nothing from `node:`.
 * Express and Koa (and plain `node:http` or `node:http2` servers) share it. It turns off the
 * socket's idle timeout and Nagle's algorithm, so events leave at once and an idle stream is kept,
 * notices a disconnect from the response's `close` event, and calls the compression middleware's
 * `flush` after each write so events are not held back until a buffer fills.
 *
 * @param response the response to stream on; nothing may have been written to it yet
 * @param socket the connection, when there is one (HTTP/1.x); on HTTP/2 pass `undefined`
 */
export function nodeResponseTransport(
  response: NodeResponseLike,
  socket?: NodeSocketLike | null,
): SSETransport {
  let detach: Listener | undefined;
  return {
    attach(handlers: TransportHandlers) {
      const onClose = () => handlers.close();
      const onDrain = () => handlers.drain();
      response.on('close', onClose);
      response.on('drain', onDrain);
      detach = () => {
        response.removeListener('close', onClose);
        response.removeListener('drain', onDrain);
      };
    },
    open(headers) {
      socket?.setTimeout?.(0);
      socket?.setNoDelay?.(true);
      response.writeHead(200, headers);
      response.flushHeaders?.();
      // Compression middleware holds the headers until the first body bytes unless flushed.
      response.flush?.();
    },
    write: (chunk) => response.write(chunk),
    get bufferedBytes() {
      // On Node a response's writableLength already includes its socket's buffer.
      return response.writableLength ?? 0;
    },
    flush: response.flush ? () => response.flush?.() : undefined,
    end(discard) {
      detach?.();
      detach = undefined;
      // A response something else already finished (an error handler, say) has nothing to tear down.
      if (discard && !response.writableFinished) response.destroy?.();
      else if (!response.writableEnded) response.end();
    },
  };
}
