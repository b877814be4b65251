import {
  createStreamGroup,
  type DrainableStreams,
  type NodeResponseLike,
  type NodeSocketLike,
  nodeResponseTransport,
  openSSEStream,
  runHandler,
  type SSEOptions,
  type SSEStream,
  type StreamGroup,
  validateSSEOptions,
  withStreamGroup,
} from '@ssekit/core';

/**
 * The parts of a request the middleware reads. Express's `Request` (4 and 5), Node's
 * `IncomingMessage` and `http2`'s compatibility request all fit, so no framework types are needed.
 */
export interface SSERequestLike {
  readonly headers: { readonly [name: string]: string | string[] | undefined };
  readonly url?: string | undefined;
  /** Express keeps the whole URL here when the route sits in a router mounted at a path. */
  readonly originalUrl?: string | undefined;
  readonly httpVersionMajor: number;
  readonly socket?: NodeSocketLike | null | undefined;
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
  Req extends SSERequestLike = SSERequestLike,
  Res extends NodeResponseLike = NodeResponseLike,
> = (stream: SSEStream, req: Req, res: Res) => unknown;

/** Options of the handler form `sse(handler, options)`: the stream's options plus `onError`. */
export interface SSEHandlerOptions extends SSEOptions {
  /**
   * Receives what the handler threw or rejected with, after its stream has been closed. Without
   * it the error goes to Express's `next(error)`. Either way the server keeps running. If
   * `onError` itself throws, that error goes to `next`.
   */
  onError?(error: unknown, stream: SSEStream): void;
}

/**
 * Makes `res.sse` available to the handlers after it, as a getter that opens the event stream the
 * first time it is read. Responses that never read it are untouched. A later `sse()` on the same
 * request (a route's own options after a global `app.use(sse())`) replaces the options, unless
 * the stream is already open.
 */
export function sse(options?: SSEOptions): SSEMiddleware;
/**
 * Opens the event stream at once and calls `handler(stream, req, res)`. A synchronous throw or a
 * rejected promise closes the stream and goes to `options.onError`, or else to Express's `next`.
 */
export function sse<Req extends SSERequestLike, Res extends NodeResponseLike>(
  handler: SSEHandler<Req, Res>,
  options?: SSEHandlerOptions,
): SSEMiddleware<Req, Res>;
export function sse(
  handlerOrOptions?: SSEHandler | SSEOptions,
  handlerOptions: SSEHandlerOptions = {},
): SSEMiddleware {
  if (typeof handlerOrOptions !== 'function') {
    const options = handlerOrOptions ?? {};
    // A bad option fails here, where it was written, not on the first request.
    validateSSEOptions(options);
    const group = createStreamGroup(options);
    return withStreamGroup((req: SSERequestLike, res: NodeResponseLike, next: SSENext) => {
      defineStream(req, res, options, group);
      next();
    }, group);
  }
  const handler = handlerOrOptions;
  validateSSEOptions(handlerOptions);
  const group = createStreamGroup(handlerOptions);
  return withStreamGroup((req: SSERequestLike, res: NodeResponseLike, next: SSENext) => {
    let stream: SSEStream;
    try {
      stream = defineStream(req, res, handlerOptions, group).sse;
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
        if (!handlerOptions.onError) return next(error);
        try {
          handlerOptions.onError(error, stream);
        } catch (thrown) {
          next(thrown);
        }
      },
    );
  }, group);
}

const kOptions = Symbol('ssekit.options');
const kStream = Symbol('ssekit.stream');
const kGroup = Symbol('ssekit.group');

/** What the middleware keeps on a response: the options to open with, then the opened stream. */
interface StreamSlots {
  /** Node's responses (and Express's) know their request. */
  readonly req?: SSERequestLike;
  [kOptions]?: SSEOptions;
  /** The group of the `sse()` whose options these are. */
  [kGroup]?: StreamGroup;
  [kStream]?: SSEStream;
}

type WithStream = NodeResponseLike & StreamSlots & { readonly sse: SSEStream };

const prototypesWithGetter = new WeakSet<object>();

function defineStream(
  req: SSERequestLike,
  res: NodeResponseLike,
  options: SSEOptions,
  group: StreamGroup,
): WithStream {
  const slots = res as WithStream;
  if (slots[kStream]) return slots;
  slots[kOptions] = options;
  slots[kGroup] = group;
  const proto: unknown = Object.getPrototypeOf(res);
  // Express gives each app its own response prototype (it owns an `app`): the getter is defined
  // there once, so responses keep their shape. Redefining a property on every response would turn
  // each into a slow dictionary object, about 1.5 KiB more per open stream.
  if (typeof proto === 'object' && proto !== null && Object.hasOwn(proto, 'app')) {
    if (!prototypesWithGetter.has(proto)) {
      Object.defineProperty(proto, 'sse', { configurable: true, get: openOnFirstRead });
      prototypesWithGetter.add(proto);
    }
  } else if (!Object.hasOwn(res, 'sse')) {
    Object.defineProperty(res, 'sse', { configurable: true, get: openOnFirstRead });
  }
  if (slots.req === undefined) Object.defineProperty(res, 'req', { configurable: true, value: req });
  return slots;
}

/** The `res.sse` getter: opens the stream on the first read, then returns the same one. */
function openOnFirstRead(this: NodeResponseLike & StreamSlots): SSEStream | undefined {
  const opened = this[kStream];
  if (opened) return opened;
  const options = this[kOptions];
  const req = this.req;
  // A response of the same app that never passed through sse() has no stream.
  if (!options || !req) return undefined;
  const http1 = req.httpVersionMajor === 1;
  const stream = openSSEStream(
    {
      // On HTTP/2 `req.socket` is the session's, shared by every stream: leave its timeouts alone.
      transport: nodeResponseTransport(this, http1 ? req.socket : undefined),
      lastEventIdHeader: req.headers['last-event-id'],
      url: req.originalUrl ?? req.url,
      connectionHeader: http1,
      group: this[kGroup],
    },
    options,
  );
  this[kStream] = stream;
  return stream;
}
