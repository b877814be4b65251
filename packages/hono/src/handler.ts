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
import { reportFailure, respondWithEventStream } from '@ssekit/fetch/internal';
import type { Context, Env, Handler, Input } from 'hono';
import { nodeBindingsOf, nodeServerHandOver } from './node-handover.js';

/**
 * The user code of an event-stream route. It receives the open stream and the Hono context once
 * the response exists; the response is returned without waiting for it. The stream stays open when it returns (or its promise
 * settles): it ends on `stream.close()` or when the client leaves. A throw, or a rejection of the
 * promise it returns, closes the stream and goes to `onError`; any other return value is ignored.
 */
export type SSEHandler<
  Events extends Record<string, unknown> = Record<string, unknown>,
  E extends Env = Env,
  P extends string = string,
  I extends Input = Input,
> = (stream: SSEStream<Events>, c: Context<E, P, I>) => unknown;

/** Options of `sse`: the core's stream options plus where handler errors go. */
export interface SSEHandlerOptions<
  Events extends Record<string, unknown> = Record<string, unknown>,
  E extends Env = Env,
  P extends string = string,
  I extends Input = Input,
> extends SSEOptions {
  /**
   * Receives what the handler threw or rejected with, after its stream has been closed. The
   * response has long been sent by then, so this is the place to log or report it. Default: log it
   * with `console.error`. An error it throws, or a rejection of the promise it returns, is logged
   * too, never left unhandled.
   */
  onError?: (error: unknown, stream: SSEStream<Events>, c: Context<E, P, I>) => unknown;
}

/**
 * A Hono handler that answers with an event stream: status 200 and the event-stream headers go out
 * at once, and `handler` runs with the open stream without holding the response back.
 *
 * ```ts
 * app.get('/events', sse(async (stream) => {
 *   stream.send({ hello: 'world' });
 * }));
 * ```
 *
 * Works wherever Hono runs: the client leaving is noticed through the request's AbortSignal or the
 * body being cancelled, and a stream whose body the server will never send is closed too (see
 * node-handover.ts, and @ssekit/fetch for the other runtimes). HEAD gets the headers alone: no stream, `handler` does not
 * run. On Bun and on `@hono/node-server` the connection's idle timeout is turned off for this
 * response, so a quiet stream is not cut between heartbeats.
 *
 * The handler's `size` and `close(options)` reach every stream it opened, for a graceful shutdown.
 *
 * @param handler the route's code; see `SSEHandler`
 * @param options stream options (heartbeat, retry, serializer, maxBufferedBytes, headers,
 *   lastEventIdQuery) and `onError`
 * @throws SSERangeError when an option is out of range; SSEFieldError when `handler` is not a function
 */
export function sse<
  Events extends Record<string, unknown> = Record<string, unknown>,
  // biome-ignore lint/suspicious/noExplicitAny: Hono's own handler types default to any, so the route's context flows in.
  E extends Env = any,
  // biome-ignore lint/suspicious/noExplicitAny: as above.
  P extends string = any,
  // biome-ignore lint/complexity/noBannedTypes: Hono's BlankInput.
  I extends Input = {},
>(
  handler: SSEHandler<Events, E, P, I>,
  options: SSEHandlerOptions<Events, E, P, I> = {},
): Handler<E, P, I> & DrainableStreams {
  const { onError, ...streamOptions } = options;
  checkHandler(handler);
  const { group } = streamSetup(streamOptions);
  return withStreamGroup<Handler<E, P, I>>((c) => respond(c, handler, streamOptions, onError, group), group);
}

/**
 * The same event stream as `sse`, answered from a handler of your own: return its result. Use it
 * when the handler needs the route's types. Hono types the context of an inline handler from the
 * route (`c.req.param('room')` is a `string` on `'/rooms/:room'`, `c.get` knows your variables),
 * but TypeScript cannot carry the route into a handler made by a function call such as `sse(...)`
 * (nor into Hono's own `createMiddleware`): there `c.req.param('room')` is `string | undefined`.
 *
 * ```ts
 * app.get('/rooms/:room', (c) =>
 *   sseResponse(c, (stream) => rooms.get(c.req.param('room'))?.add(stream)),
 * );
 * ```
 *
 * For a graceful shutdown, pass a `StreamGroup` as `group` (`createStreamGroup()`, made once) and
 * drain it with `group.close(options)`, as `sse(...).close` does for its own streams.
 *
 * @param c the context of the request to answer
 * @param handler the route's code; see `SSEHandler`
 * @param options as for `sse`, plus `group`; checked on each call
 * @throws SSERangeError when an option is out of range
 */
export function sseResponse<
  Events extends Record<string, unknown> = Record<string, unknown>,
  E extends Env = Env,
  P extends string = string,
  I extends Input = Input,
>(
  c: Context<E, P, I>,
  handler: SSEHandler<Events, E, P, I>,
  options: SSEHandlerOptions<Events, E, P, I> & { group?: StreamGroup } = {},
): Response {
  const { onError, group, ...streamOptions } = options;
  validateSSEOptions(streamOptions);
  return respond(c, handler, streamOptions, onError, group);
}

/**
 * Answers `c` with an event stream run by `handler`, as `@ssekit/fetch` answers a request (HEAD,
 * the first byte, the client leaving, Bun's idle timeout, Workers' heartbeats), plus the Node
 * bridge's hand-over. The options are checked already.
 */
function respond<Events extends Record<string, unknown>, E extends Env, P extends string, I extends Input>(
  c: Context<E, P, I>,
  handler: SSEHandler<Events, E, P, I>,
  streamOptions: SSEOptions,
  onError: SSEHandlerOptions<Events, E, P, I>['onError'],
  group?: StreamGroup,
): Response {
  let response: Response | undefined;
  // Hono routes HEAD to GET handlers and drops the body; a HEAD response opens no stream, so there
  // is nothing to hand over.
  const node = c.req.method === 'HEAD' ? undefined : nodeBindingsOf(c);
  response = respondWithEventStream<Events>(c.req.raw, (stream) => handler(stream, c), streamOptions, {
    onFailure: reportFailure(FAILED, onError && ((error, stream) => onError(error, stream, c))),
    // With `export default app` or `Bun.serve({ fetch: app.fetch })` Hono's env is the Bun server.
    server: c.env,
    group,
    handOver: node && nodeServerHandOver(c, node, () => response),
    // Node's own request: the bridge would build the fetch `Request`'s headers for this read.
    origin: node && { lastEventIdHeader: node.incoming.headers['last-event-id'], url: node.incoming.url },
  });
  return response;
}

const FAILED = '[@ssekit/hono] an sse() handler';
