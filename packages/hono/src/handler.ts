import {
  createStreamGroup,
  type DrainableStreams,
  eventStreamHeaders,
  openSSEStream,
  runHandler,
  type SSEOptions,
  type SSEStream,
  type StreamGroup,
  validateSSEOptions,
  webStreamTransport,
  withStreamGroup,
} from '@ssekit/core';
import type { Context, Env, Handler, Input } from 'hono';
import { nodeBindingsOf, nodeServerHandOver } from './node-handover.js';
import { cancelIfNeverRead } from './unread-body.js';

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
 * node-handover.ts and unread-body.ts). HEAD gets the headers alone: no stream, `handler` does not
 * run. On Bun and on `@hono/node-server` the connection's idle timeout is turned off for this
 * response, so a quiet stream is not cut between heartbeats.
 *
 * The handler's `size` and `close(options)` reach every stream it opened, for a graceful shutdown.
 *
 * @param handler the route's code; see `SSEHandler`
 * @param options stream options (heartbeat, retry, serializer, maxBufferedBytes, headers,
 *   lastEventIdQuery) and `onError`
 * @throws SSERangeError when an option is out of range
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
  // A bad option fails here, where it was written, not on the first request.
  validateSSEOptions(streamOptions);
  const group = createStreamGroup(streamOptions);
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

/** Answers `c` with an event stream run by `handler`; the options are checked already. */
function respond<Events extends Record<string, unknown>, E extends Env, P extends string, I extends Input>(
  c: Context<E, P, I>,
  handler: SSEHandler<Events, E, P, I>,
  streamOptions: SSEOptions,
  onError: SSEHandlerOptions<Events, E, P, I>['onError'],
  group?: StreamGroup,
): Response {
  // Hono routes HEAD to GET handlers and drops the body: answer with the headers alone, opening
  // no stream that nobody would read.
  if (c.req.method === 'HEAD')
    return new Response(null, {
      status: 200,
      headers: eventStreamHeaders({ connectionHeader: false, headers: streamOptions.headers }),
    });
  let response: Response | undefined;
  const node = nodeBindingsOf(c);
  const handOver = node && nodeServerHandOver(c, node, () => response);
  const transport = webStreamTransport({
    // On @hono/node-server the hand-over learns from the Node response when the client leaves:
    // the request's AbortSignal would only cost every connection an AbortController.
    signal: handOver === undefined ? c.req.raw.signal : undefined,
    handOver,
  });
  const stream = openSSEStream<Events>(
    {
      transport,
      lastEventIdHeader: node ? node.incoming.headers['last-event-id'] : c.req.header('last-event-id'),
      url: node ? node.incoming.url : c.req.url,
      // The runtime (Node, Bun, Deno, Workers) owns the connection and may speak HTTP/2 or 3,
      // where a Connection header is forbidden.
      connectionHeader: false,
      group,
    },
    streamOptions,
  );
  liftIdleTimeout(c);
  // Bun holds back the response head until the body's first chunk (oven-sh/bun#33660), so a
  // client would not see the stream open until the first event: give it a comment, which clients
  // ignore. A `retry` line, written when the stream opens, already does that.
  if (holdsHeadUntilFirstChunk && streamOptions.retry === undefined) stream.comment();
  try {
    response = transport.response();
  } catch (error) {
    // A header the web `Headers` refuses: no response will carry this stream.
    stream.close();
    throw error;
  }
  if (handOver === undefined && response.body) cancelIfNeverRead(response.body);
  runHandler(
    stream,
    () => handler(stream, c),
    (error) => {
      if (!onError) return logError('an sse() handler failed; its stream was closed.', error);
      try {
        Promise.resolve(onError(error, stream, c)).catch((thrown) =>
          logError('the onError of an sse() handler failed.', thrown),
        );
      } catch (thrown) {
        logError('the onError of an sse() handler failed.', thrown);
      }
    },
  );
  return response;
}

const holdsHeadUntilFirstChunk = typeof (globalThis as { Bun?: unknown }).Bun !== 'undefined';

function logError(message: string, error: unknown): void {
  console.error(`[@ssekit/hono] ${message}`, error);
}

/** The parts of Bun's `Server` used to lift its idle timeout (typed by shape: no Bun types needed). */
interface BunServerLike {
  timeout(request: Request, seconds: number): void;
  upgrade: unknown;
  requestIP: unknown;
}

/**
 * An event stream is quiet between heartbeats, and Bun cuts quiet connections after 10 s by default
 * (`idleTimeout`), shorter than the 15 s heartbeat: lift that limit for this one response. (On
 * @hono/node-server, `nodeServerHandOver` lifts Node's.)
 */
function liftIdleTimeout(c: Context): void {
  const env: unknown = c.env;
  // With `export default app` or `Bun.serve({ fetch: app.fetch })` Hono's env is the Bun server.
  if (typeof env === 'object' && env !== null && isBunServer(env)) env.timeout(c.req.raw, 0);
}

function isBunServer(env: object): env is BunServerLike {
  const server = env as Partial<BunServerLike>;
  return (
    typeof server.timeout === 'function' &&
    typeof server.upgrade === 'function' &&
    typeof server.requestIP === 'function'
  );
}
