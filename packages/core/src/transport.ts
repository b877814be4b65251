/**
 * What a transport calls back into the stream it carries. The stream hands itself to
 * `SSETransport.attach` once, before anything is written.
 */
export interface TransportHandlers {
  /** Call after `write` has returned `false`, once the transport can take more bytes. */
  onDrain(): void;
  /** Call once when the client has gone away (connection closed, request aborted, body cancelled). */
  onDisconnect(): void;
  /**
   * The stream's bound on bytes buffered for its client (`maxBufferedBytes`), past which it drops
   * the client. `write` must report backpressure before that, so that a producer awaiting `send`
   * is slowed down rather than dropped: see `writeLimit`.
   */
  readonly maxBufferedBytes: number;
  /**
   * Carry the stream on `transport` from now on: the stream writes to it, reads its
   * `bufferedBytes` and ends it, and never calls the transport that called this again. For a
   * transport that hands its events over to a faster one (`webStreamTransport`'s `handOver`) and
   * would otherwise stay in between, and in memory, for the life of the stream. Call it from inside
   * `write` or from outside any stream call, with nothing of the old transport's own still held
   * and no listener of its left behind. Optional: a stream made by `openSSEStream` has it.
   */
  moveTo?(transport: SSETransport): void;
}

/**
 * Buffered bytes at which a transport's `write` reports backpressure: its own limit, or half the
 * stream's bound when that is lower.
 */
export function writeLimit(handlers: TransportHandlers, ownLimit: number): number {
  return Math.max(1, Math.min(ownLimit, Math.floor(handlers.maxBufferedBytes / 2)));
}

/**
 * The adapter contract: the whole of what `@ssekit/core` needs from an HTTP response. A framework
 * adapter implements it (or uses one of the two that core ships, `nodeResponseTransport` and
 * `webStreamTransport`) and hands it to `openSSEStream`. The stream calls `open`, then `attach`,
 * then any number of `write`/`flush`, then `end` exactly once.
 */
export interface SSETransport {
  /**
   * Register the stream's handlers. Called once, right after `open`. The transport must remove
   * every listener it adds here by the time `end` returns, so a closed stream leaves nothing behind.
   */
  attach(handlers: TransportHandlers): void;
  /**
   * Send status 200 with these headers and push them to the client now, so that its `open` event
   * fires before the first event arrives. Called once, first; if it throws, nothing else is called.
   * The object may be shared by many streams (it is frozen then): read it, never change it.
   */
  open(headers: Record<string, string>): void;
  /**
   * Queue bytes for the client. Return `false` when the transport's buffer is full (as
   * `Writable.write` does) and call `handlers.onDrain` once it has room again. Never called after `end`.
   *
   * How long `chunk` may be referenced: the stream never changes its bytes, but it may be a view into
   * a 64 KiB slab shared with other streams (small events are encoded there), or a channel's
   * broadcast shared by all its streams. A transport may hand it on while its connection takes
   * bytes freely (to a socket with nothing queued, say); anything it keeps, or hands to something
   * that keeps it, for a connection that is not taking bytes is copied into memory of its own
   * first, coalesced rather than kept chunk by chunk. Who pays: every byte a connection keeps alive
   * is counted in `bufferedBytes` (give or take a constant per connection), because that is what the
   * stream's `maxBufferedBytes` bound is enforced on. A slab view kept by a stuck connection would
   * pin the whole slab while being charged for its few bytes.
   */
  write(chunk: Uint8Array): boolean;
  /**
   * Bytes handed to `write` that the connection has not taken yet: held, kept and queued. The
   * memory a slow client keeps alive must stay within this (see `write`).
   */
  readonly bufferedBytes: number;
  /** Push out bytes an intermediate layer (compression middleware) may be holding back. Optional. */
  flush?(): void;
  /**
   * End the response. Called exactly once. With `discard` the client is gone or too slow to keep:
   * drop whatever is still buffered and tear the connection down rather than wait to flush it.
   */
  end(discard: boolean): void;
}
