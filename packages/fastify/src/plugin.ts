import {
  createStreamGroup,
  lazyStream,
  nodeStreamRequest,
  openSSEStream,
  runHandler,
  type SSEOptions,
  type SSEStream,
  type StreamGroup,
  type StreamSetup,
  validateSSEOptions,
  withStreamGroup,
} from '@ssekit/core';
import type {
  FastifyInstance,
  FastifyPluginAsync,
  FastifyReply,
  FastifyRequest,
  RouteOptions,
} from 'fastify';
import fp from 'fastify-plugin';

/** What `onError` gets besides the error and the stream: the route's request and reply. */
export interface SSEErrorContext<Request = FastifyRequest, Reply = FastifyReply> {
  /** The request whose stream failed. */
  request: Request;
  /** Its reply, whose `sse` is the stream. */
  reply: Reply;
}

/**
 * Options of the plugin (`app.register(ssePlugin, options)`) and of the handler form
 * (`sse(handler, options)`): every stream option of `@ssekit/core`, plus where errors go.
 */
export interface SSEFastifyOptions<
  Events extends Record<string, unknown> = Record<string, unknown>,
  Request = FastifyRequest,
  Reply = FastifyReply,
> extends SSEOptions {
  /**
   * Called with what a route's code threw or rejected with after its stream opened (a handler of
   * `sse(handler)`, or a route handler that read `reply.sse`). The stream is closed first; status
   * and headers are already on the wire, so no error response can follow. Default: the error is
   * logged with the request's logger (`request.log.error`), as is an error `onError` itself throws.
   * Errors thrown before the stream opened are left to Fastify and answered as usual.
   */
  onError?(error: unknown, stream: SSEStream<Events>, context: SSEErrorContext<Request, Reply>): void;
}

/**
 * The user code of the handler form: called with the opened stream, the request and the reply.
 * Returning (or resolving) does not end the stream; it stays open until `stream.close()` or the
 * client leaves.
 */
export type SSEFastifyHandler<
  Events extends Record<string, unknown> = Record<string, unknown>,
  Request = FastifyRequest,
  Reply = FastifyReply,
> = (stream: SSEStream<Events>, request: Request, reply: Reply) => unknown;

/**
 * What `sse(handler)` returns: a route handler that fits any Fastify server (HTTP/1 or `http2: true`),
 * which the plugin sets up when the route is declared.
 */
export type SSERouteHandler = (request: unknown, reply: unknown) => void;

type ErrorHandler = SSEFastifyOptions['onError'];
type Handler = (this: FastifyInstance, request: FastifyRequest, reply: FastifyReply) => unknown;

/** What `sse(handler, options)` hands the plugin, which turns it into the route's handler. */
interface HandlerForm {
  handler: SSEFastifyHandler;
  options: SSEFastifyOptions;
}
const handlerForms = new WeakMap<object, HandlerForm>();

const replies = lazyStream<FastifyReply>((reply, { options, group }) => {
  const { request, raw } = reply;
  // Headers set through Fastify (`reply.header`, as @fastify/cors does) live on the reply until
  // Fastify sends it, which it now never will: they go to the response with the stream's own.
  for (const [name, value] of Object.entries(reply.getHeaders())) {
    if (value !== undefined) raw.setHeader(name, value);
  }
  const stream = openSSEStream(nodeStreamRequest(request.raw, raw, request.originalUrl, group), options);
  // Only once the headers are out: if opening threw, Fastify must still answer with the error.
  // From here on Fastify sends nothing of its own (no 'Reply already sent', no error response
  // over the events, and no ERR_HTTP_HEADERS_SENT when the client leaves).
  reply.hijack();
  return stream;
});

/** The error of a route the plugin never set up: declared before it was registered, or outside its scope. */
function notSetUp(what: string): TypeError {
  return new TypeError(
    `${what}: this route was declared outside the scope of @ssekit/fastify, or before it was registered there; \`await app.register(ssePlugin)\` before declaring the route.`,
  );
}

/** Routes a failure after the stream opened: to `onError`, else (or if it throws) to the request's logger. */
function report(
  onError: ErrorHandler,
  error: unknown,
  stream: SSEStream,
  request: FastifyRequest,
  reply: FastifyReply,
): void {
  let failure = error;
  if (onError) {
    try {
      onError(error, stream, { request, reply });
      return;
    } catch (thrown) {
      failure = thrown;
    }
  }
  request.log.error({ err: failure }, 'event stream handler failed; its stream was closed');
}

/** A route that may read `reply.sse`: a failure after the stream opened closes it and is reported. */
function lazyRoute(handler: Handler, setup: StreamSetup, onError: ErrorHandler): Handler {
  return function sseRoute(request, reply) {
    replies.prepare(reply, setup);
    const fail = (error: unknown) => {
      const stream = replies.opened(reply);
      // Before the stream opened, Fastify answers the error as it would without the plugin.
      if (stream === undefined) throw error;
      stream.close();
      report(onError, error, stream, request, reply);
    };
    let result: unknown;
    try {
      result = handler.call(this, request, reply);
    } catch (error) {
      return fail(error);
    }
    if (typeof (result as PromiseLike<unknown> | null | undefined)?.then !== 'function') return result;
    return (result as PromiseLike<unknown>).then(undefined, fail);
  };
}

/** The route of `sse(handler)`: opens the stream at once and runs the handler on it. */
function handlerRoute(form: HandlerForm, setup: StreamSetup, onError: ErrorHandler): Handler {
  return function sseHandler(request, reply) {
    replies.prepare(reply, setup);
    const stream = reply.sse;
    runHandler(
      stream,
      () => form.handler(stream, request, reply),
      (error) => report(onError, error, stream, request, reply),
    );
  };
}

/** `base` with every option `override` gives; `headers` are merged by name. */
function merge(base: SSEOptions, override: SSEOptions | undefined): SSEOptions {
  if (override === undefined) return base;
  const merged: SSEOptions = { ...base };
  for (const [key, value] of Object.entries(override) as [keyof SSEOptions, unknown][]) {
    if (value !== undefined) Object.assign(merged, { [key]: value });
  }
  if (base.headers && override.headers) merged.headers = { ...base.headers, ...override.headers };
  return merged;
}

/** Drops `onError`, which is not a stream option. */
function streamOptionsOf({ onError: _, ...options }: SSEFastifyOptions): SSEOptions {
  return options;
}

// Async, so that a bad option rejects the registration (`await app.register(...)`).
const plugin: FastifyPluginAsync<SSEFastifyOptions> = async (fastify, pluginOptions) => {
  const options = streamOptionsOf(pluginOptions);
  // A bad option fails the registration, not the first request.
  validateSSEOptions(options);
  const group: StreamGroup = createStreamGroup(options);
  const scopeSetup: StreamSetup = { options, group };
  fastify.decorate('sse', withStreamGroup({}, group));
  fastify.decorateReply('sse', {
    getter(this: FastifyReply) {
      const stream = replies.read(this);
      if (stream === undefined) throw notSetUp('reply.sse');
      return stream;
    },
  });
  fastify.addHook('onRoute', (route: RouteOptions) => {
    const routeOptions = route.config?.sse;
    const form = handlerForms.get(route.handler);
    let setup = scopeSetup;
    if (routeOptions !== undefined || form !== undefined) {
      const merged = merge(merge(options, routeOptions), form && streamOptionsOf(form.options));
      // A bad `config.sse` fails here, in the app.get(...) that declared it.
      validateSSEOptions(merged);
      setup = { options: merged, group };
    }
    const onError = form?.options.onError ?? pluginOptions.onError;
    route.handler = form
      ? handlerRoute(form, setup, onError)
      : lazyRoute(route.handler as Handler, setup, onError);
  });
  // Before Fastify waits for its connections to end, which an open stream never would by itself.
  fastify.addHook('preClose', (hookDone) => {
    group.close().then(() => hookDone(), hookDone);
  });
};

/**
 * The Fastify plugin: gives every route of the scope it is registered in (and that scope's
 * children, not its siblings) `reply.sse`, an event stream on the request that opens on its first
 * read (status 200 and the event-stream headers go out at once, and Fastify hands the response over
 * with `reply.hijack()`); a route that never reads it answers as usual. Its options are the
 * defaults of every route in the scope; a route's `config.sse` and `sse(handler, options)` override
 * them option by option (`headers` by name). Register it before the routes that use it
 * (`await app.register(ssePlugin)`): it sets up each route as it is declared.
 *
 * `app.sse.size` counts the scope's open streams; `app.sse.close(options)` drains them (a last
 * event, a retry hint, spread over `over` ms). `app.close()` closes every stream still open at
 * once, before Fastify waits for connections to end, or awaits a drain already begun.
 *
 * @throws SSERangeError / SSEFieldError at registration for an invalid option, and from the
 *   `app.get(...)` whose `config.sse` holds one
 */
export const ssePlugin: FastifyPluginAsync<SSEFastifyOptions> = fp(plugin, {
  fastify: '5.x',
  name: '@ssekit/fastify',
});

/**
 * The handler form, for a route: opens the event stream at once and calls
 * `handler(stream, request, reply)`; a HEAD request gets the headers only and the handler does not
 * run. A synchronous throw or a rejected promise closes the stream and goes to `options.onError`
 * (else the plugin's, else the request's logger). `options` override the plugin's and the route's
 * `config.sse`. Needs `ssePlugin` registered in the route's scope before the route is declared; the
 * plugin's `app.sse` drains these streams with the others.
 *
 * @throws SSERangeError / SSEFieldError here, when called, for an invalid option
 */
export function sse<
  Events extends Record<string, unknown> = Record<string, unknown>,
  Request = FastifyRequest,
  Reply = FastifyReply,
>(
  handler: SSEFastifyHandler<Events, Request, Reply>,
  options: SSEFastifyOptions<Events, Request, Reply> = {},
): SSERouteHandler {
  // A bad option fails here, where it was written, not on the first request.
  validateSSEOptions(streamOptionsOf(options as SSEFastifyOptions));
  // What runs only when no plugin took the route over when it was declared.
  const unregistered = () => {
    throw notSetUp('sse(handler)');
  };
  handlerForms.set(unregistered, { handler, options } as unknown as HandlerForm);
  return unregistered;
}
