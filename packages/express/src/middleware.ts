import {
  type DrainableStreams,
  lazyStream,
  type NodeRequestLike,
  type NodeResponseLike,
  openNodeStream,
  runHandler,
  type SSEOptions,
  type SSEStream,
  streamSetup,
  withStreamGroup,
} from '@ssekit/core';

/**
 * The parts of a request `sse` reads. Express's `Request` (4 and 5), Node's `IncomingMessage` and
 * `http2`'s compatibility request all fit, so no framework types are needed.
 */
export interface SSERequestLike extends NodeRequestLike {
  /** Express keeps the whole URL here when the route sits in a router mounted at a path. */
  readonly originalUrl?: string | undefined;
}

/** Express's `next`, as the middleware calls it. */
export type SSENext = (error?: unknown) => void;

/**
 * The request handler `sse(...)` returns; pass it to `app.use`, `app.get` or a router. Its `size`
 * and `close(options)` reach every stream it opened, for a graceful shutdown.
 */
export type SSEMiddleware<
  Req extends SSERequestLike = SSERequestLike,
  Res extends NodeResponseLike = NodeResponseLike,
> = ((req: Req, res: Res, next: SSENext) => void) & DrainableStreams;

/**
 * The user code of the handler form: called with the opened stream, the request and the response.
 * Returning (or resolving) does not end the stream; it stays open until `stream.close()` or the
 * client leaves.
 */
export type SSEHandler<
  Events extends Record<string, unknown> = Record<string, unknown>,
  Req extends SSERequestLike = SSERequestLike,
  Res extends NodeResponseLike = NodeResponseLike,
> = (stream: SSEStream<Events>, req: Req, res: Res) => unknown;

/** Options of the handler form `sse(handler, options)`: the stream's options plus `onError`. */
export interface SSEHandlerOptions<
  Events extends Record<string, unknown> = Record<string, unknown>,
  Req extends SSERequestLike = SSERequestLike,
  Res extends NodeResponseLike = NodeResponseLike,
> extends SSEOptions {
  /**
   * Receives what the handler threw or rejected with, after its stream has been closed, with the
   * request and response as `{ req, res }`. Without it the error goes to Express's `next(error)`.
   * Either way the server keeps running. If `onError` itself throws, that error goes to `next`.
   */
  onError?(error: unknown, stream: SSEStream<Events>, context: { req: Req; res: Res }): void;
}

/** Node's responses (Express's, and `http2`'s compatibility ones) know their request. */
type Response = NodeResponseLike & { readonly req: SSERequestLike; readonly sse?: SSEStream };

const responses = lazyStream<Response>(
  (res, setup) => openNodeStream(res.req, res, res.req.originalUrl ?? res.req.url, setup),
  // Express gives each app its own response prototype (it owns an `app`).
  (res) => {
    const proto: unknown = Object.getPrototypeOf(res);
    return typeof proto === 'object' && proto !== null && Object.hasOwn(proto, 'app') ? proto : undefined;
  },
);

/**
 * Makes `res.sse` available to the handlers after it, as a getter that opens the event stream the
 * first time it is read (read it typed with `sseOf<Events>(res)`). Responses that never read it are
 * untouched. A later `sse()` on the same request (a route's own options after a global
 * `app.use(sse())`) replaces the options, unless the stream is already open.
 *
 * @throws SSERangeError / SSEFieldError here, when called, for an invalid option
 */
export function sse(options?: SSEOptions): SSEMiddleware;
/**
 * Opens the event stream at once and calls `handler(stream, req, res)`; a HEAD request gets the
 * headers only and the handler does not run. A synchronous throw or a rejected promise closes the
 * stream and goes to `options.onError`, or else to Express's `next`.
 *
 * @throws SSERangeError / SSEFieldError here, when called, for an invalid option
 */
export function sse<
  Events extends Record<string, unknown> = Record<string, unknown>,
  Req extends SSERequestLike = SSERequestLike,
  Res extends NodeResponseLike = NodeResponseLike,
>(
  handler: SSEHandler<Events, Req, Res>,
  options?: SSEHandlerOptions<Events, Req, Res>,
): SSEMiddleware<Req, Res>;
export function sse(
  handlerOrOptions?: SSEHandler | SSEOptions,
  handlerOptions: SSEHandlerOptions = {},
): SSEMiddleware {
  const options = typeof handlerOrOptions === 'function' ? handlerOptions : (handlerOrOptions ?? {});
  const setup = streamSetup(options);
  const { group } = setup;
  if (typeof handlerOrOptions !== 'function') {
    return withStreamGroup((_req: SSERequestLike, res: NodeResponseLike, next: SSENext) => {
      responses.prepare(res as Response, setup);
      next();
    }, group);
  }
  const handler = handlerOrOptions;
  const { onError } = handlerOptions;
  return withStreamGroup((req: SSERequestLike, res: NodeResponseLike, next: SSENext) => {
    let stream: SSEStream;
    try {
      responses.prepare(res as Response, setup);
      stream = (res as Response).sse as SSEStream;
    } catch (error) {
      // The response could not be opened (headers already sent, say): Express decides what follows.
      next(error);
      return;
    }
    runHandler(
      stream,
      () => handler(stream, req, res),
      (error) => {
        // Without onError, Express takes the error; with the headers out it can only drop the connection.
        if (!onError) return next(error);
        try {
          onError(error, stream, { req, res });
        } catch (thrown) {
          next(thrown);
        }
      },
    );
  }, group);
}
