import { createDrain, type Drain, type DrainOptions } from './drain.js';
import { type SSEStream, streamInternals } from './stream.js';
import type { Serializer } from './types.js';

/**
 * What an adapter's `sse(...)` result offers for a graceful shutdown: the streams it opened, and a
 * way to drain them. A `StreamGroup` is one; adapters attach these to the function they return.
 */
export interface DrainableStreams {
  /** Streams open now. */
  readonly size: number;
  /**
   * Drains every open stream (`DrainOptions`: last event, retry hint, spread over `over` ms), and
   * closes at once, with the same last event and hint, every stream opened from now on. Resolves
   * once every stream is closed; calling it again returns the same promise.
   *
   * @throws SSEFieldError / SSERangeError, synchronously and before anything changes, for options
   *   that cannot be sent or an `over` out of range.
   */
  close(options?: DrainOptions): Promise<void>;
}

let joinOpened: (group: StreamGroup, stream: SSEStream<never>) => boolean;
let leaveClosed: (group: StreamGroup, stream: SSEStream<never>) => void;

/**
 * Every open stream of one source (an adapter's `sse(...)`), so a shutdown can reach streams that
 * are in no channel. Streams join by being opened with it (`StreamRequest.group`) and leave by
 * themselves when they close. Drains exactly like `channel.close`.
 *
 * @example
 * const group = createStreamGroup();
 * const stream = openSSEStream({ transport, connectionHeader: true, group });
 * process.once('SIGTERM', () => group.close({ retry: 5000, over: 10_000 }).then(() => server.close()));
 */
export class StreamGroup implements DrainableStreams {
  readonly #streams = new Set<SSEStream<never>>();
  private readonly serialize: Serializer | undefined;
  private drained: { drain: Drain; done: Promise<void> } | undefined;
  // One listener shared by every stream added from outside (it receives the stream), so joining
  // allocates no closure. A stream opened with the group leaves it without one (see `openedIn`).
  private readonly forget = (stream: SSEStream<never>) => {
    this.#streams.delete(stream);
  };

  static {
    joinOpened = (group, stream) => {
      if (group.drained) {
        group.drained.drain.end(stream);
        return false;
      }
      group.#streams.add(stream);
      return true;
    };
    leaveClosed = (group, stream) => group.#streams.delete(stream);
  }

  /** @param options.serializer turns a non-string last event into text; default `JSON.stringify`. */
  constructor(options: { serializer?: Serializer } = {}) {
    this.serialize = options.serializer;
  }

  get size(): number {
    return this.#streams.size;
  }

  /**
   * Adds an open stream; it leaves when it closes. Once `close` has been called, the stream gets
   * the drain's last event and retry hint and is closed at once instead.
   */
  add(stream: SSEStream<never>): void {
    if (stream.closed || this.#streams.has(stream)) return;
    if (this.drained) {
      this.drained.drain.end(stream);
      return;
    }
    this.#streams.add(stream);
    streamInternals(stream).addCloseListener(this.forget);
  }

  close(options: DrainOptions = {}): Promise<void> {
    // Checked, and the last event encoded, before anything changes.
    const drain = createDrain(options, this.serialize);
    this.drained ??= { drain, done: drain.run(this.#streams) };
    return this.drained.done;
  }
}

/**
 * stream.ts's side of membership, for a stream opened with `StreamRequest.group`: it joins here as it
 * opens and its core calls `leaveGroup` as it closes, so membership costs the stream one field and
 * no close listener. Returns false, having sent the drain's last event and closed the stream, when
 * the group is draining. Exported from this module for stream.ts, not from the package.
 */
export function joinGroup(group: StreamGroup, stream: SSEStream<never>): boolean {
  return joinOpened(group, stream);
}

/** The other half of `joinGroup`: the stream has closed. */
export function leaveGroup(group: StreamGroup, stream: SSEStream<never>): void {
  leaveClosed(group, stream);
}

/**
 * Creates an empty `StreamGroup`. Adapters pass their `sse(options)` options, so a drain's last
 * event goes through the same `serializer` as the streams' events (default `JSON.stringify`).
 */
export function createStreamGroup(options?: { serializer?: Serializer }): StreamGroup {
  return new StreamGroup(options);
}

/**
 * Gives an adapter's returned handler the group's `size` and `close`, so users drain what that
 * `sse(...)` opened through the value they already hold.
 */
export function withStreamGroup<F extends object>(handler: F, group: StreamGroup): F & DrainableStreams {
  return Object.defineProperties(handler, {
    size: { get: () => group.size, enumerable: true },
    close: { value: (options?: DrainOptions) => group.close(options), enumerable: true },
  }) as F & DrainableStreams;
}
