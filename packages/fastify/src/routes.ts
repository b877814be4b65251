import { lazyStream, openNodeStream, runHandler, type SSEStream, type StreamSetup } from '@ssekit/core';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { SSEFastifyOptions } from './options.js';

/** A route handler as Fastify calls it: with the route's instance as `this`. */
export type RouteHandler = (this: FastifyInstance, request: FastifyRequest, reply: FastifyReply) => unknown;
type ErrorHandler = SSEFastifyOptions['onError'];

/** `reply.sse` of the replies the plugin prepared, opened on first read. */
export const replies = lazyStream<FastifyReply>((reply, setup) => {
  const { request, raw } = reply;
  // Headers set through Fastify (`reply.header`, as @fastify/cors does) live on the reply until
  // Fastify sends it, which it now never will: they go to the response with the stream's own.
  for (const [name, value] of Object.entries(reply.getHeaders())) {
    if (value !== undefined) raw.setHeader(name, value);
  }
  const stream = openNodeStream(request.raw, raw, request.originalUrl, setup);
  // Only once the headers are out: if opening threw, Fastify must still answer with the error.
  // From here on Fastify sends nothing of its own (no 'Reply already sent', no error response
  // over the events, and no ERR_HTTP_HEADERS_SENT when the client leaves).
  reply.hijack();
  return stream;
});

/** The error of reading a stream the plugin never set up. */
export function notSetUp(what: string): TypeError {
  return new TypeError(
    `${what}: only a route handler declared in the scope of @ssekit/fastify, after it was registered, has a stream; \`await app.register(ssePlugin)\` before declaring the route.`,
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

/** A failure of a route that may have read `reply.sse`: rethrown to Fastify unless the stream opened. */
function failed(error: unknown, request: FastifyRequest, reply: FastifyReply, onError: ErrorHandler): void {
  const stream = replies.opened(reply);
  // Before the stream opened, Fastify answers the error as it would without the plugin.
  if (stream === undefined) throw error;
  stream.close();
  report(onError, error, stream, request, reply);
}

/** A route of the scope, which may read `reply.sse`; a failure after the stream opened closes it. */
export function lazyRoute(handler: RouteHandler, setup: StreamSetup, onError: ErrorHandler): RouteHandler {
  return function sseRoute(request, reply) {
    replies.prepare(reply, setup);
    let result: unknown;
    try {
      result = handler.call(this, request, reply);
    } catch (error) {
      return failed(error, request, reply, onError);
    }
    if (typeof (result as PromiseLike<unknown> | null | undefined)?.then !== 'function') return result;
    return (result as PromiseLike<unknown>).then(undefined, (error) =>
      failed(error, request, reply, onError),
    );
  };
}

/** The user code of the handler form, as the plugin calls it. */
export type StreamHandler = (stream: SSEStream, request: FastifyRequest, reply: FastifyReply) => unknown;

/** The route of `sse(handler)`: opens the stream at once and runs the handler on it. */
export function handlerRoute(
  handler: StreamHandler,
  setup: StreamSetup,
  onError: ErrorHandler,
): RouteHandler {
  return function sseHandler(request, reply) {
    replies.prepare(reply, setup);
    const stream = reply.sse;
    runHandler(
      stream,
      () => handler(stream, request, reply),
      (error) => report(onError, error, stream, request, reply),
    );
  };
}
