import type { NodeResponseLike, TransportHandlers, WebStreamTransportOptions } from '@ssekit/core';
import { continueNodeResponse } from '@ssekit/core/internal';
import type { Context } from 'hono';

// Everything @ssekit/hono does for @hono/node-server, the bridge that serves a Hono app on Node by
// writing each fetch `Response` to a Node `ServerResponse`. Checked against @hono/node-server 2.1.9
// with hono 4.13.19, on Node 20 and 24 (packages/hono/test: never-read, node-direct, sse); the
// conditions below lean on how those versions behave, each says which behaviour and why.

/** The parts of @hono/node-server's bindings (Hono's `c.env`: `{ incoming, outgoing }`) used here. */
export interface NodeBindingsLike {
  incoming: {
    httpVersionMajor?: number;
    /** Node's request headers, lower-cased: read here, the fetch `Request`'s are never built. */
    headers: { readonly [name: string]: string | string[] | undefined };
    /** Path and query. */
    url?: string;
    socket?: { setTimeout?(ms: number): unknown; setNoDelay?(noDelay?: boolean): unknown } | null;
    /** Set once the request has closed, or is about to emit `close`. */
    readonly destroyed?: boolean;
    on(event: 'close', listener: () => void): unknown;
    removeListener(event: 'close', listener: () => void): unknown;
  };
  outgoing: NodeResponseLike & {
    on(event: 'prefinish', listener: () => void): unknown;
    removeListener(event: 'prefinish', listener: () => void): unknown;
  };
}

/**
 * The Node request and response behind `c` on @hono/node-server, or `undefined` elsewhere. The
 * bridge builds the fetch `Request`'s headers lazily, so reading `Last-Event-ID` from Node's
 * request instead saves every stream a `Headers` object.
 */
export function nodeBindingsOf(c: Context): NodeBindingsLike | undefined {
  const env: unknown = c.env;
  if (typeof env !== 'object' || env === null) return undefined;
  const { incoming, outgoing } = env as Partial<NodeBindingsLike>;
  return typeof incoming === 'object' && incoming !== null && typeof incoming.headers === 'object' && outgoing
    ? (env as NodeBindingsLike)
    : undefined;
}

type HandOver = NonNullable<WebStreamTransportOptions['handOver']>;

/**
 * On @hono/node-server: the `handOver` for the stream's `webStreamTransport`, after lifting the
 * socket's idle timeout (a quiet stream must outlive `server.timeout`) and turning off Nagle's
 * algorithm (events are small writes, each to leave at once).
 *
 * The hand-over does two things:
 * - It ends the stream when the Node response ends before our body was handed over, whatever the
 *   server did with the body. The bridge cancels a body it reads when the client leaves, but a
 *   body it never reads it never cancels: a response whose `writeHead` threw on a header Node
 *   refuses (it answers 500), or one a middleware replaced. The request's AbortSignal does not tell
 *   either: the bridge aborts it only when the response did not finish. On HTTP/2 the response's
 *   `close` tells. On HTTP/1, so as to add no listener to the response (a third `close` listener
 *   grows that list's array by 144 bytes, a new event name its table by about 96, for the life of
 *   the response), the request's `close` (see `disconnectWhenEnded`).
 * - On HTTP/1.1, once the bridge has sent the head and waits on our body, having written all it
 *   read, events go straight to the socket (`continueNodeResponse`), skipping the body stream and
 *   the bridge's read loop. Status and headers stay the bridge's, so middleware headers go out.
 *   From then on no listener is needed: the bridge goes on reading the body, and cancels it when
 *   the response closes.
 *
 * @param ourResponse the response the handler returned, once it exists
 */
export function nodeServerHandOver(
  c: Context,
  { incoming, outgoing }: NodeBindingsLike,
  ourResponse: () => Response | undefined,
): HandOver {
  // HTTP/2 multiplexes streams over one socket, which a single response must not tune or write to.
  const http1 = incoming.httpVersionMajor === 1;
  if (http1) {
    incoming.socket?.setTimeout?.(0);
    incoming.socket?.setNoDelay?.(true);
  }
  return (handlers) => {
    if (!http1) {
      outgoing.on('close', disconnectOnClose(handlers));
      // No hand-over on HTTP/2: the listener goes with the response.
      return () => undefined;
    }
    const onEnded = disconnectWhenEnded(handlers, outgoing);
    // A request whose body a middleware read to its end has closed already.
    if (incoming.destroyed === true) outgoing.on('prefinish', onEnded);
    else incoming.on('close', onEnded);
    let verdict: boolean | undefined;
    return () => {
      // Before the head is out the body is still being sniffed (the bridge reads up to 3 chunks
      // to set a Content-Length) and bytes may not go to the socket.
      if (outgoing.headersSent !== true) return undefined;
      // Decided once, when the head is out and every middleware has run.
      verdict ??= sendsOurBody(c, ourResponse());
      const direct = verdict ? continueNodeResponse(outgoing, handlers) : undefined;
      if (direct !== undefined) {
        incoming.removeListener('close', onEnded);
        outgoing.removeListener('prefinish', onEnded);
      }
      return direct;
    };
  };
}

/**
 * The HTTP/2 response's `close` listener. Made out here, as `disconnectWhenEnded`, so that it holds
 * the stream's handlers only: made inside `nodeServerHandOver` it would keep the whole Hono context
 * alive with the stream. On a closed stream `onDisconnect` does nothing.
 */
function disconnectOnClose(handlers: TransportHandlers): () => void {
  return () => handlers.onDisconnect();
}

/**
 * The HTTP/1 request's `close` listener. Node 20 and 24 close a GET request when its response
 * ends or is destroyed (the 500 above is ended, then destroyed: its `finish` never comes on Node
 * 24) and when the connection drops, never while the response is open. A request whose body was
 * read to its end (a POST) closes as soon as it is read, though: from then on (or from the start,
 * when a middleware read it before the stream opened) the response's `prefinish` tells, which Node
 * emits from `end()`, before any `destroy()`.
 */
function disconnectWhenEnded(
  handlers: TransportHandlers,
  outgoing: NodeBindingsLike['outgoing'],
): () => void {
  const onEnded = () => {
    if (outgoing.writableEnded === true || outgoing.destroyed === true) handlers.onDisconnect();
    else outgoing.on('prefinish', onEnded);
  };
  return onEnded;
}

/**
 * Whether the response Hono handed to the server carries our body stream, not a copy a middleware
 * transformed (compressed, say), whose bytes must all pass through that middleware. With no
 * middleware Hono returns the handler's response as it is, without finalizing the context; a
 * middleware that touched `c.res` first makes Hono copy the response, body stream and all.
 */
function sendsOurBody(c: Context, ours: Response | undefined): boolean {
  if (!c.finalized || c.res === ours) return true;
  try {
    return ours !== undefined && c.res.body === ours.body;
  } catch {
    // @hono/node-server's Response builds its body lazily, which throws once the stream it wraps
    // is being read: the server reads a body that is not ours.
    return false;
  }
}
