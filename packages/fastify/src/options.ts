import type { SSEOptions, SSEStream } from '@ssekit/core';
import type { FastifyReply, FastifyRequest } from 'fastify';

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

/** Drops `onError`, which is not a stream option. */
export function streamOptionsOf({ onError: _, ...options }: SSEFastifyOptions): SSEOptions {
  return options;
}

/** `base` with every option `override` gives (the plugin's, then a route's); `headers` merge by name. */
export function mergeOptions(base: SSEOptions, override: SSEOptions | undefined): SSEOptions {
  if (override === undefined) return base;
  const merged: SSEOptions = { ...base };
  for (const [key, value] of Object.entries(override)) {
    if (value !== undefined) Object.assign(merged, { [key]: value });
  }
  if (base.headers && override.headers) merged.headers = { ...base.headers, ...override.headers };
  return merged;
}
