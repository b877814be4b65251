import {
  type DrainableStreams,
  lazyStream,
  openNodeStream,
  runHandler,
  type SSEOptions,
  type SSEStream,
  streamSetup,
  withStreamGroup,
} from '@ssekit/core';
import type { Context, Middleware } from 'koa';

/** Options of `sse()`: every stream option of `@ssekit/core`, plus where errors go. */
export interface SSEKoaOptions<Events extends Record<string, unknown> = Record<string, unknown>>
  extends SSEOptions {
  /**
   * Called with what the handler (or, in the middleware form, code downstream of `sse()`) threw or
   * rejected with after the stream opened. The stream is closed first; status and headers are
   * already on the wire, so no error response can follow. Default: the error is emitted on the app,
   * as Koa does (`ctx.app.emit('error', error, ctx)`), as is an error `onError` itself throws.
   * Errors thrown before the stream opened are left to Koa and answered as usual.
   */
  onError?(error: unknown, stream: SSEStream<Events>, ctx: Context): void;
}

/**
 * The user code of the handler form: called with the opened stream and the context. Returning (or
 * resolving) does not end the stream; it stays open until `stream.close()` or the client leaves.
 */
export type SSEKoaHandler<Events extends Record<string, unknown> = Record<string, unknown>> = (
  stream: SSEStream<Events>,
  ctx: Context,
) => unknown;

const contexts = lazyStream<Context>(
  (ctx, setup) => {
    // The query the client sent, even if a rewrite (koa-rewrite) has replaced ctx.url since.
    const stream = openNodeStream(ctx.req, ctx.res, ctx.originalUrl, setup);
    // Set only once the headers are out: if opening threw (headers already sent), Koa must still
    // answer with the error. From here on Koa's own respond() would write a 404 body after the
    // events, and upstream middleware such as koa-compress skip a response whose headers are sent.
    ctx.respond = false;
    return stream;
  },
  // Every context of an app inherits from `app.context`, Koa's place for extensions.
  (ctx) => {
    const proto: unknown = Object.getPrototypeOf(ctx);
    return typeof proto === 'object' && proto !== null && proto === ctx.app?.context ? proto : undefined;
  },
);

/** Routes a failure after the stream opened: to `onError`, else (or if it throws) to the app, as Koa does. */
function report(onError: SSEKoaOptions['onError'], error: unknown, stream: SSEStream, ctx: Context): void {
  if (!onError) return void ctx.app.emit('error', error, ctx);
  try {
    onError(error, stream, ctx);
  } catch (thrown) {
    ctx.app.emit('error', thrown, ctx);
  }
}

/**
 * Koa middleware that gives downstream code `ctx.sse` (read it typed with `sseOf<Events>(ctx)`), an
 * event stream on this request. Nothing is sent until `ctx.sse` is first read; that read sends
 * status 200 and the event-stream headers at once (a HEAD request gets them with an ended response
 * and a closed stream), and from then on Koa leaves the response to the stream. The stream outlives
 * the middleware chain: it ends on `ctx.sse.close()` or when the client leaves. When a request
 * passes several `sse()`s (one global, one on the route), the innermost one's options and `onError`
 * apply, unless an outer one's stream was already opened before it. The middleware's `size` and
 * `close(options)` reach every stream it opened, for a graceful shutdown.
 *
 * @throws SSERangeError / SSEFieldError here, when called, for an invalid option
 */
export function sse(options?: SSEKoaOptions): Middleware & DrainableStreams;
/**
 * Opens the event stream at once and calls `handler(stream, ctx)`; a HEAD request gets the headers
 * only and the handler does not run. A synchronous throw or a rejected promise closes the stream and
 * goes to `options.onError`, or else to the app's `error` event. Use it as the route's handler; its
 * `size` and `close(options)` reach every stream it opened.
 *
 * @throws SSERangeError / SSEFieldError here, when called, for an invalid option
 */
export function sse<Events extends Record<string, unknown> = Record<string, unknown>>(
  handler: SSEKoaHandler<Events>,
  options?: SSEKoaOptions<Events>,
): Middleware & DrainableStreams;
export function sse(
  handlerOrOptions?: SSEKoaHandler | SSEKoaOptions,
  handlerOptions?: SSEKoaOptions,
): Middleware & DrainableStreams {
  const handler = typeof handlerOrOptions === 'function' ? handlerOrOptions : undefined;
  const options = typeof handlerOrOptions === 'function' ? handlerOptions : handlerOrOptions;
  const { onError, ...streamOptions } = options ?? {};
  const setup = streamSetup(streamOptions);
  const { group } = setup;
  if (handler) {
    return withStreamGroup<Middleware>(async function sseHandler(ctx) {
      contexts.prepare(ctx, setup);
      const stream = ctx.sse;
      runHandler(
        stream,
        () => handler(stream, ctx),
        (error) => report(onError, error, stream, ctx),
      );
    }, group);
  }
  return withStreamGroup<Middleware>(async function sseMiddleware(ctx, next) {
    contexts.prepare(ctx, setup);
    try {
      await next();
    } catch (error) {
      // Only the sse() whose options opened the stream answers for it; any other passes it on.
      const stream = contexts.opened(ctx);
      if (stream === undefined || contexts.setupOf(ctx) !== setup) throw error;
      stream.close();
      report(onError, error, stream, ctx);
    }
  }, group);
}
