import {
  type DrainableStreams,
  type SSEOptions,
  type SSEStream,
  type StreamGroup,
  streamSetup,
  validateSSEOptions,
  withStreamGroup,
} from '@ssekit/core';
import { checkHandler } from '@ssekit/core/internal';
import { reportFailure, respondWithEventStream } from './respond.js';

const FAILED = '[@ssekit/fetch] an event-stream handler';

/**
 * The user code of an event stream. It receives the open stream, the request, and whatever the
 * runtime passed next to the request (Bun's server, Deno's connection info, a Worker's `env`,
 * Next.js's `{ params }`); the response is returned without waiting for it. The stream stays open
 * when it returns (or its promise settles): it ends on `stream.close()` or when the client leaves.
 * A throw, or a rejection of the promise it returns, closes the stream and goes to `onError`; any
 * other return value is ignored.
 */
export type EventStreamHandler<
  Events extends Record<string, unknown> = Record<string, unknown>,
  Context = unknown,
> = (stream: SSEStream<Events>, request: Request, context: Context) => unknown;

/** Options of `eventStream` and `sse`: the core's stream options plus where handler errors go. */
export interface EventStreamOptions<Events extends Record<string, unknown> = Record<string, unknown>>
  extends SSEOptions {
  /**
   * Receives what the handler threw or rejected with, after its stream has been closed. The
   * response has long been sent by then, so this is the place to log or report it. Default: log it
   * with `console.error`. An error it throws, or a rejection of the promise it returns, is logged
   * too, never left unhandled.
   */
  onError?: (error: unknown, stream: SSEStream<Events>, request: Request) => unknown;
}

/** Options of one `eventStream` call: `EventStreamOptions`, the server, and a group to join. */
export interface EventStreamCallOptions<Events extends Record<string, unknown> = Record<string, unknown>>
  extends EventStreamOptions<Events> {
  /**
   * Bun's `Server` (the second argument of Bun.serve's `fetch`): its idle timeout, 10 s by default
   * and so shorter than the heartbeat, is lifted for this response with `server.timeout(request, 0)`.
   * Anything else is ignored. Default: none.
   */
  server?: unknown;
  /**
   * The group the stream joins, so a shutdown can drain it: `createStreamGroup()`, made once, then
   * `group.close(options)`. Default: none.
   */
  group?: StreamGroup | undefined;
}

/**
 * Answers `request` with an event stream: the returned `Response` has status 200 and the
 * event-stream headers, and `handler` runs with the open stream without holding it back. Return
 * the response from your route (Next.js), `fetch` handler (Bun, Workers) or `Deno.serve` handler.
 *
 * ```ts
 * export function GET(request: Request) {
 *   return eventStream(request, (stream) => {
 *     stream.send({ hello: 'world' });
 *   });
 * }
 * ```
 *
 * The client leaving is noticed through the request's AbortSignal, the runtime cancelling the body
 * (it does when a write to the client fails), or, for a body nobody starts to read within 5 s (a
 * middleware replaced the response), that. A comment goes out at once, so runtimes that hold the
 * head until the first body bytes (Bun) open the stream now. HEAD gets the headers alone: no
 * stream, `handler` does not run.
 *
 * @param request the request to answer
 * @param handler the route's code; see `EventStreamHandler`
 * @param options stream options (heartbeat, retry, serializer, maxBufferedBytes, headers,
 *   lastEventIdQuery), `onError`, `server` and `group`; checked on each call
 * @throws SSERangeError / SSEFieldError when an option is out of range
 */
export function eventStream<Events extends Record<string, unknown> = Record<string, unknown>>(
  request: Request,
  handler: (stream: SSEStream<Events>, request: Request) => unknown,
  options: EventStreamCallOptions<Events> = {},
): Response {
  const { onError, server, group, ...streamOptions } = options;
  checkHandler(handler);
  validateSSEOptions(streamOptions);
  return respondWithEventStream(request, (stream) => handler(stream, request), streamOptions, {
    onFailure: reportFailure(FAILED, onError && ((error, stream) => onError(error, stream, request))),
    server,
    group,
  });
}

/**
 * A fetch handler, `(request, context) => Response`, that answers every request with an event
 * stream run by `handler`: export it as a Next.js `GET`, pass it as Bun.serve's `fetch` or to
 * `Deno.serve`, or call it from a Worker's `fetch`. Its `size` and `close(options)` reach every
 * stream it opened, for a graceful shutdown.
 *
 * ```ts
 * export const GET = sse((stream) => {
 *   const timer = setInterval(() => stream.send({ at: Date.now() }), 1000);
 *   stream.onClose(() => clearInterval(timer));
 * });
 * ```
 *
 * When the context is Bun's `Server` (Bun.serve's `fetch`), its idle timeout is lifted for the
 * response. Otherwise as `eventStream`.
 *
 * @param handler the route's code; see `EventStreamHandler`
 * @param options stream options and `onError`, checked here, once
 * @throws SSERangeError / SSEFieldError when an option is out of range
 */
export function sse<Events extends Record<string, unknown> = Record<string, unknown>, Context = unknown>(
  handler: EventStreamHandler<Events, Context>,
  options: EventStreamOptions<Events> = {},
): ((request: Request, context?: Context) => Response) & DrainableStreams {
  const { onError, ...streamOptions } = options;
  checkHandler(handler);
  const { group } = streamSetup(streamOptions);
  return withStreamGroup(
    // The context is optional for callers of the handler other than the runtime (a test, a
    // wrapper); the handler then gets `undefined`.
    (request: Request, context?: Context) =>
      respondWithEventStream(
        request,
        (stream) => handler(stream, request, context as Context),
        streamOptions,
        {
          onFailure: reportFailure(FAILED, onError && ((error, stream) => onError(error, stream, request))),
          server: context,
          group,
        },
      ),
    group,
  );
}
