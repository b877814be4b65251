import {
  createStreamGroup,
  type DrainableStreams,
  type NodeResponseLike,
  openSSEStream,
  runHandler,
  type SSEOptions,
  type SSEStream,
  validateSSEOptions,
  webStreamTransport,
  withStreamGroup,
} from '@ssekit/core';
import type { Context, Env, Handler, Input } from 'hono';

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
 * body being cancelled. On Bun and on `@hono/node-server` the connection's idle timeout is turned
 * off for this response, so a quiet stream is not cut between heartbeats.
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
  return withStreamGroup<Handler<E, P, I>>((c) => {
    let response: Response | undefined;
    const nodeResponse = nodeResponseOf(c, () => response);
    const transport = webStreamTransport({
      // On @hono/node-server the server cancels the body when the connection closes, and once
      // events go to the socket its `close` event tells: the request's AbortSignal would only cost
      // every connection an AbortController.
      signal: nodeResponse === undefined ? c.req.raw.signal : undefined,
      nodeResponse,
    });
    const stream = openSSEStream<Events>(
      {
        transport,
        lastEventIdHeader: c.req.header('last-event-id'),
        url: c.req.url,
        // The runtime (Node, Bun, Deno, Workers) owns the connection and may speak HTTP/2 or 3,
        // where a Connection header is forbidden.
        connectionHeader: false,
        group,
      },
      streamOptions,
    );
    keepConnectionOpen(c);
    // Bun holds back the response head until the body's first chunk (oven-sh/bun#33660), so a
    // client would not see the stream open until the first event: give it a comment, which clients
    // ignore. A `retry` line, written when the stream opens, already does that.
    if (holdsHeadUntilFirstChunk && streamOptions.retry === undefined) stream.comment();
    response = transport.response();
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
  }, group);
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

/** The parts of `@hono/node-server`'s bindings (`{ incoming, outgoing }`) the adapter uses. */
interface NodeBindingsLike {
  incoming: {
    httpVersionMajor?: number;
    socket?: { setTimeout?(ms: number): unknown; setNoDelay?(noDelay?: boolean): unknown } | null;
  };
  outgoing?: NodeResponseLike;
}

/**
 * On `@hono/node-server` over HTTP/1.1, where events may go straight to the socket once the server
 * has sent the head, rather than through the body stream and the server's read loop (see
 * `webStreamTransport`'s `nodeResponse`): the Node response, provided the body the server writes to
 * it is still ours. Decided once, when the head is out and the middleware have all run.
 */
function nodeResponseOf(
  c: Context,
  ourResponse: () => Response | undefined,
): (() => NodeResponseLike | undefined) | undefined {
  const env: unknown = c.env;
  if (typeof env !== 'object' || env === null || !isNodeBindings(env)) return undefined;
  const outgoing = env.outgoing;
  if (outgoing === undefined || env.incoming.httpVersionMajor !== 1) return undefined;
  let verdict: boolean | undefined;
  return () => {
    if (outgoing.headersSent !== true) return undefined;
    verdict ??= sendsOurBody(c, ourResponse());
    return verdict ? outgoing : undefined;
  };
}

/**
 * Whether the response Hono handed to the server carries our body stream, not a copy a middleware
 * transformed (compressed, say). With no middleware Hono returns the handler's response as it is,
 * unfinalized; a middleware that set headers first makes Hono copy it, body and all.
 */
function sendsOurBody(c: Context, ours: Response | undefined): boolean {
  if (!c.finalized || c.res === ours) return true;
  try {
    return ours !== undefined && c.res.body === ours.body;
  } catch {
    // @hono/node-server builds a response's body lazily, which throws once the stream it wraps is
    // being read: the server reads a body that is not ours.
    return false;
  }
}

/**
 * An event stream is quiet between heartbeats, and some servers cut quiet connections: Bun after
 * 10 s by default (`idleTimeout`), shorter than the 15 s heartbeat; Node when `server.timeout` is
 * set. Lift that limit for this one response, when the runtime tells us how.
 */
function keepConnectionOpen(c: Context): void {
  const env: unknown = c.env;
  if (typeof env !== 'object' || env === null) return;
  if (isBunServer(env)) {
    // With `export default app` or `Bun.serve({ fetch: app.fetch })` Hono's env is the Bun server.
    env.timeout(c.req.raw, 0);
    return;
  }
  if (isNodeBindings(env) && env.incoming.httpVersionMajor === 1) {
    // HTTP/2 multiplexes streams over one socket, which a single response must not tune.
    const socket = env.incoming.socket;
    socket?.setTimeout?.(0);
    // Events are small writes: send each at once rather than waiting to coalesce them.
    socket?.setNoDelay?.(true);
  }
}

function isBunServer(env: object): env is BunServerLike {
  const server = env as Partial<BunServerLike>;
  return (
    typeof server.timeout === 'function' &&
    typeof server.upgrade === 'function' &&
    typeof server.requestIP === 'function'
  );
}

function isNodeBindings(env: object): env is NodeBindingsLike {
  const incoming = (env as Partial<NodeBindingsLike>).incoming;
  return typeof incoming === 'object' && incoming !== null;
}
