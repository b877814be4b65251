import {
  nodeResponseTransport,
  openSSEStream,
  type SSEOptions,
  type SSEStream,
  validateSSEOptions,
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
 * stream was already opened before it.
 */
export function sse(options: SSEKoaOptions = {}): Middleware {
  const { onError, ...streamOptions } = options;
  // A bad option fails here, where it was written, not on the first request.
  validateSSEOptions(streamOptions);
  return async function sseMiddleware(ctx, next) {
    let stream: SSEStream | undefined;
    const current = Object.getOwnPropertyDescriptor(ctx, 'sse');
    // An outer sse() may already have opened the stream; a second one on the same response would
    // write the headers twice.
    if (!(current && 'value' in current)) {
      Object.defineProperty(ctx, 'sse', {
        configurable: true,
        // Not enumerable: a logger that spreads ctx must not open the stream by reading it.
        enumerable: false,
        get: () => {
          stream = open(ctx, streamOptions);
          Object.defineProperty(ctx, 'sse', { configurable: true, value: stream });
          return stream;
        },
      });
    }
    try {
      await next();
    } catch (error) {
      if (stream === undefined) throw error;
      stream.close();
      if (onError) onError(error, ctx);
      else ctx.app.emit('error', error, ctx);
    }
  };
}

function open(ctx: Context, options: SSEOptions): SSEStream {
  const http1 = ctx.req.httpVersionMajor === 1;
  const stream = openSSEStream(
    {
      // On HTTP/2 the socket is the session's, shared by every stream on it: leave its timeout alone.
      transport: nodeResponseTransport(ctx.res, http1 ? ctx.req.socket : undefined),
      lastEventIdHeader: ctx.get('last-event-id'),
      // The query the client sent, even if a rewrite (koa-rewrite) has replaced ctx.url since.
      url: ctx.originalUrl,
      connectionHeader: http1,
    },
    options,
  );
  // Set only once the headers are out: if opening threw (headers already sent), Koa must still
  // answer with the error. From here on Koa's own respond() would write a 404 body after the events, and upstream
  // middleware such as koa-compress skip a response whose headers are sent.
  ctx.respond = false;
  return stream;
}
