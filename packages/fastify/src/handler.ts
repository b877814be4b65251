import { type SSEStream, validateSSEOptions } from '@ssekit/core';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { type SSEFastifyOptions, streamOptionsOf } from './options.js';
import { notSetUp, type StreamHandler } from './routes.js';

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

/** What `sse(handler, options)` leaves for the plugin, which turns it into the route's handler. */
export interface HandlerForm {
  handler: StreamHandler;
  options: SSEFastifyOptions;
}
const handlerForms = new WeakMap<object, HandlerForm>();

/** The handler form behind a route's handler, if it came from `sse(handler)`. */
export function handlerFormOf(routeHandler: object): HandlerForm | undefined {
  return handlerForms.get(routeHandler);
}

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
