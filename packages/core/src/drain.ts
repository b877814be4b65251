import { encodeBroadcast } from './broadcast.js';
import { checkRetry, encodeEvent, jsonSerializer } from './encode.js';
import { describeValue, SSERangeError } from './errors.js';
import { checkRetryJitter, jitterRetry } from './retry-jitter.js';
import { type SSEStream, streamInternals } from './stream.js';
import type { Serializer } from './types.js';

/** The longest `over` a drain takes: timers cannot wait longer (about 24.8 days). */
export const MAX_DRAIN_MS = 2_147_483_647;

/**
 * Options of a drain (`channel.close`, `group.close`, an adapter's `sse(...).close`): how a set of
 * streams is ended without every client reconnecting in the same second.
 */
export interface DrainOptions {
  /**
   * A last event sent to every stream before it closes: `data` (a string verbatim, anything else
   * through the serializer) and an optional event name. Default: none.
   */
  event?: { data: unknown; event?: string };
  /**
   * A reconnection time in milliseconds, sent (`retry:`) with the last event, so clients wait that
   * long before coming back, e.g. to another instance. A whole number from 0 to 2147483647.
   * Default: none sent (clients keep the one they have, typically 3 s in browsers).
   */
  retry?: number;
  /**
   * Fraction of `retry` by which each stream's hint is shortened at random, 0 to 1: every stream
   * gets its own whole number of milliseconds from `retry - floor(retry * retryJitter)` to `retry`,
   * evenly, so the drained clients come back spread over that range rather than together (with
   * `retryJitter: 1`, from 0 to `retry`). Needs `retry`. Default 0: every stream gets `retry`.
   */
  retryJitter?: number;
  /**
   * Milliseconds over which the closes are spread evenly, so reconnections arrive spread out too.
   * From 0 to 2147483647 (`MAX_DRAIN_MS`). Default 0: every stream closes at once.
   */
  over?: number;
}

type DrainableStream = SSEStream<never>;

const encoder = /* @__PURE__ */ new TextEncoder();

/** Closes are done in batches this often (ms), so a large set does not need a timer per stream. */
const STEP_MS = 50;
/**
 * Streams that have had a drain's last event. A stream can be in a group and in channels, each
 * drained on shutdown: it gets the first last event only, never one per drain.
 */
const sentLastEvent = new WeakSet<DrainableStream>();

/**
 * A drain with its options checked and its last event encoded once for every stream. Create it
 * with `createDrain` before changing any state: creating it is where bad options fail.
 */
export interface Drain {
  /**
   * Sends the last event and retry hint to `stream` (unless another drain already has), then
   * closes it. For streams that arrive late.
   */
  end(stream: DrainableStream): void;
  /**
   * Sends the last event and retry hint to every stream of `streams` at once (each stream gets one
   * last event, whichever drain reaches it first), then closes them
   * spread evenly over `over`. Resolves once every one is closed.
   */
  run(streams: Iterable<DrainableStream>): Promise<void>;
}

/**
 * Checks drain options and encodes the last event, so that a set of streams (a channel's members,
 * every stream an `sse()` opened) is drained the same way everywhere.
 *
 * @throws SSEFieldError for a last event whose name has a line break or whose data the serializer
 *   cannot represent; SSERangeError for a `retry`, a `retryJitter` or an `over` out of range, or a
 *   `retryJitter` without `retry`. Synchronously.
 */
export function createDrain(options: DrainOptions = {}, serialize: Serializer = jsonSerializer): Drain {
  const { event, retry, over = 0 } = options;
  if (!(typeof over === 'number' && over >= 0 && over <= MAX_DRAIN_MS)) {
    throw new SSERangeError(
      'ERR_SSE_INVALID_OPTION',
      'over',
      over,
      `over ${describeValue(over)} must be a number of milliseconds from 0 to ${MAX_DRAIN_MS}.`,
    );
  }
  if (retry !== undefined) checkRetry(retry);
  const jitter = checkRetryJitter(options.retryJitter, retry);
  // With jitter, each stream's hint goes in a block of its own, before the last event encoded once.
  const shared = jitter === 0 ? retry : undefined;
  const bytes =
    event === undefined && shared === undefined
      ? undefined
      : encodeBroadcast(encodeEvent({ data: event?.data, event: event?.event, retry: shared }, serialize));
  const sendLast = (stream: DrainableStream) => {
    if ((bytes === undefined && retry === undefined) || stream.closed || sentLastEvent.has(stream)) return;
    sentLastEvent.add(stream);
    const internals = streamInternals(stream);
    if (retry !== undefined && shared === undefined) {
      void internals.write(encoder.encode(`retry: ${jitterRetry(retry, jitter)}\n\n`));
    }
    if (bytes !== undefined) void internals.write(bytes);
  };
  return {
    end(stream) {
      sendLast(stream);
      stream.close();
    },
    async run(streams) {
      const list = [...streams];
      for (const stream of list) sendLast(stream);
      if (over > 0) await closeSpread(list, over);
      for (const stream of list) stream.close();
    },
  };
}

/** Closes `streams` in order, evenly over `over` ms; resolves early once every one is closed. */
function closeSpread(streams: DrainableStream[], over: number): Promise<void> {
  const step = Math.min(STEP_MS, over);
  const began = Date.now();
  let next = 0;
  return new Promise<void>((resolve) => {
    const timer = setInterval(() => {
      // By elapsed time rather than by tick count, so a busy event loop does not stretch the window.
      const due = Math.min(streams.length, Math.ceil((streams.length * (Date.now() - began)) / over));
      for (; next < due; next++) streams[next]?.close();
      if (next >= streams.length || streams.every((stream) => stream.closed)) {
        clearInterval(timer);
        resolve();
      }
    }, step);
  });
}
