import {
  createStreamGroup,
  type DrainableStreams,
  nodeResponseTransport,
  openSSEStream,
  type SSEOptions,
  type SSEStream,
  type StreamGroup,
  validateSSEOptions,
  withStreamGroup,
} from '@ssekit/core';
import type { Context, Middleware } from 'koa';

/** Options of `sse()`: every stream option of `@ssekit/core`, plus where errors go. */
export interface SSEKoaOptions extends SSEOptions {
  /**
   * Called when code downstream of `sse()` throws (or rejects) after the stream has opened. The
   * stream is closed first; the status and headers are already on the wire, so no error response
   * can follow. Default: the error is emitted on the app, as Koa does (`ctx.app.emit('error', error, ctx)`).
   * Errors thrown before the stream opened are left to Koa and answered as usual.
   */
  onError?(error: unknown, ctx: Context): void;
}

/**
 * Koa middleware that gives downstream code `ctx.sse`, an event stream on this request. Nothing is
 * sent until `ctx.sse` is first read; that read sends status 200 and the event-stream headers at
 * once, and from then on Koa leaves the response to the stream. The stream outlives the middleware
 * chain: it ends on `ctx.sse.close()` or when the client leaves. Use it with `app.use` or as route
 * middleware (`router.get('/events', sse(), handler)`). When a request passes several `sse()`s (one
 * global, one on the route), the innermost one's options and `onError` apply, unless an outer one's
 * stream was already opened before it. The middleware's `size` and `close(options)` reach every
 * stream it opened, for a graceful shutdown.
 */
export function sse(options: SSEKoaOptions = {}): Middleware & DrainableStreams {
  const { onError, ...streamOptions } = options;
  // A bad option fails here, where it was written, not on the first request.
  validateSSEOptions(streamOptions);
  const group = createStreamGroup(streamOptions);
  return withStreamGroup<Middleware>(async function sseMiddleware(ctx, next) {
    const slots = ctx as Context & StreamSlots;
    // An outer sse() may already have opened the stream; its options stay the ones it opened with.
    if (!slots[kStream]) {
      slots[kOptions] = streamOptions;
      slots[kGroup] = group;
      defineGetter(ctx);
    }
    try {
      await next();
    } catch (error) {
      // Only the sse() whose options opened the stream answers for it; any other passes it on.
      const stream = slots[kStream];
      if (stream === undefined || slots[kOptions] !== streamOptions) throw error;
      stream.close();
      if (onError) onError(error, ctx);
      else ctx.app.emit('error', error, ctx);
    }
  }, group);
}

const kOptions = Symbol('ssekit.options');
const kStream = Symbol('ssekit.stream');
const kGroup = Symbol('ssekit.group');

/** What the middleware keeps on a context: the options to open with, then the opened stream. */
interface StreamSlots {
  [kOptions]?: SSEOptions;
  /** The group of the `sse()` whose options these are. */
  [kGroup]?: StreamGroup;
  [kStream]?: SSEStream;
}

const prototypesWithGetter = new WeakSet<object>();

function defineGetter(ctx: Context): void {
  const proto: unknown = Object.getPrototypeOf(ctx);
  // Every context of an app inherits from `app.context`, Koa's place for extensions: the getter is
  // defined there once, so contexts keep their shape. Redefining a property on every context would
  // turn each into a slow dictionary object, about 1.5 KiB more per open stream.
  const target = typeof proto === 'object' && proto !== null && proto === ctx.app?.context ? proto : ctx;
  if (target === proto ? prototypesWithGetter.has(proto) : Object.hasOwn(ctx, 'sse')) return;
  // Not enumerable: a logger that spreads ctx must not open the stream by reading it.
  Object.defineProperty(target, 'sse', { configurable: true, enumerable: false, get: openOnFirstRead });
  if (target === proto) prototypesWithGetter.add(proto);
}

/** The `ctx.sse` getter: opens the stream on the first read, then returns the same one. */
function openOnFirstRead(this: Context & StreamSlots): SSEStream | undefined {
  const opened = this[kStream];
  if (opened) return opened;
  const options = this[kOptions];
  // A context of the same app that never passed through sse() has no stream.
  if (!options) return undefined;
  const stream = open(this, options, this[kGroup]);
  this[kStream] = stream;
  return stream;
}

function open(ctx: Context, options: SSEOptions, group: StreamGroup | undefined): SSEStream {
  const http1 = ctx.req.httpVersionMajor === 1;
  const stream = openSSEStream(
    {
      // On HTTP/2 the socket is the session's, shared by every stream on it: leave its timeout alone.
      transport: nodeResponseTransport(ctx.res, http1 ? ctx.req.socket : undefined),
      lastEventIdHeader: ctx.get('last-event-id'),
      // The query the client sent, even if a rewrite (koa-rewrite) has replaced ctx.url since.
      url: ctx.originalUrl,
      connectionHeader: http1,
      group,
    },
    options,
  );
  // Set only once the headers are out: if opening threw (headers already sent), Koa must still
  // answer with the error. From here on Koa's own respond() would write a 404 body after the
  // events, and upstream middleware such as koa-compress skip a response whose headers are sent.
  ctx.respond = false;
  return stream;
}
