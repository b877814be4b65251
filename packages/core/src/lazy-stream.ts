import type { SSEOptions } from './options.js';
import type { SSEStream } from './stream.js';
import type { StreamGroup } from './stream-group.js';

/** What one `sse(...)` call opens its streams with; made once per call and shared by its requests. */
export interface StreamSetup {
  readonly options: SSEOptions;
  /** The call's group, so its `close()` drains what it opened. */
  readonly group?: StreamGroup | undefined;
}

const kSetup = Symbol('ssekit.setup');
const kStream = Symbol('ssekit.stream');

/** What a lazy stream keeps on its holder: the setup to open with, then the opened stream. */
interface Slots {
  [kSetup]?: StreamSetup;
  [kStream]?: SSEStream;
}

/**
 * The `sse` property an adapter's middleware puts on its framework's per-request object (Express's
 * `res`, Koa's `ctx`): a getter that opens the stream on its first read and returns the same
 * stream on later reads, so a route that never reads it answers as if the middleware were absent.
 */
export interface LazyStream<Holder extends object> {
  /**
   * Makes `holder.sse` open a stream with `setup` when first read. Does nothing once the stream is
   * open: the setup it opened with stays.
   */
  prepare(holder: Holder, setup: StreamSetup): void;
  /** The setup `holder.sse` opens, or opened, with; `undefined` if it was never prepared. */
  setupOf(holder: Holder): StreamSetup | undefined;
  /** The stream opened on `holder`, without opening one. */
  opened(holder: Holder): SSEStream | undefined;
  /**
   * What the `sse` getter returns: the stream, opened with the prepared setup on the first call.
   * `undefined` for a holder never prepared. For a framework that defines the getter itself.
   */
  read(holder: Holder): SSEStream | undefined;
}

/**
 * Creates the lazy `sse` property of one adapter.
 *
 * @param open opens the stream of `holder` (the adapter's translation into `openSSEStream`)
 * @param sharedPrototype the prototype every holder of one app inherits from and that the
 *   framework meant for extensions (Express's per-app response prototype, Koa's `app.context`), or
 *   `undefined` for a holder without one. Omit it when the framework defines the `sse` getter itself
 *   and calls `read` from it (Fastify's `decorateReply`, which also keeps the getter in the plugin's
 *   scope): `prepare` then defines nothing.
 */
export function lazyStream<Holder extends object>(
  open: (holder: Holder, setup: StreamSetup) => SSEStream,
  sharedPrototype?: (holder: Holder) => object | undefined,
): LazyStream<Holder> {
  const prototypesWithGetter = new WeakSet<object>();
  function openOnFirstRead(this: Holder & Slots): SSEStream | undefined {
    const opened = this[kStream];
    if (opened) return opened;
    const setup = this[kSetup];
    // A holder of the same app that never passed through sse() has no stream.
    if (!setup) return undefined;
    const stream = open(this, setup);
    this[kStream] = stream;
    return stream;
  }
  // Not enumerable: a logger that spreads the holder must not open the stream by reading it.
  const getter = { configurable: true, enumerable: false, get: openOnFirstRead };
  return {
    prepare(holder, setup) {
      const slots = holder as Holder & Slots;
      if (slots[kStream]) return;
      slots[kSetup] = setup;
      if (sharedPrototype === undefined) return;
      // Defined once on the shared prototype, so holders keep their shape: redefining a property
      // on every holder would turn each into a slow dictionary object, about 1.5 KiB more per stream.
      const proto = sharedPrototype(holder);
      if (proto === undefined) {
        if (!Object.hasOwn(holder, 'sse')) Object.defineProperty(holder, 'sse', getter);
      } else if (!prototypesWithGetter.has(proto)) {
        Object.defineProperty(proto, 'sse', getter);
        prototypesWithGetter.add(proto);
      }
    },
    setupOf: (holder) => (holder as Holder & Slots)[kSetup],
    opened: (holder) => (holder as Holder & Slots)[kStream],
    read: (holder) => openOnFirstRead.call(holder as Holder & Slots),
  };
}

/**
 * Reads `holder.sse` (Express's `res.sse`, Koa's `ctx.sse`) typed with your event map, which the
 * framework's own types cannot carry: `sseOf<MyEvents>(res).send(...)` checks event names and data.
 *
 * @throws TypeError when `holder` did not pass through an `sse()` middleware
 */
export function sseOf<Events extends Record<string, unknown> = Record<string, unknown>>(holder: {
  readonly sse: SSEStream;
}): SSEStream<Events> {
  const stream = holder.sse as SSEStream<Events> | undefined;
  if (stream === undefined) {
    throw new TypeError(
      'sseOf: this request has no event stream; mount sse() before the code that reads it.',
    );
  }
  return stream;
}
