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
 *   either: the bridge aborts it only when the response did not finish. On HTTP/1 the response's
 *   `prefinish` tells (Node emits it from `end()`, before a `destroy()` that may follow); it has no
 *   other listener, where a third `close` listener would grow that list's array by 144 bytes for
 *   the life of the response. On HTTP/2, `close`.
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
  const ended = http1 ? 'prefinish' : 'close';
  return (handlers) => {
    const onEnded = disconnectOnEnd(handlers);
    outgoing.on(ended as 'close', onEnded);
    let verdict: boolean | undefined;
    return () => {
      // Before the head is out the body is still being sniffed (the bridge reads up to 3 chunks
      // to set a Content-Length) and bytes may not go to the socket.
      if (!http1 || outgoing.headersSent !== true) return undefined;
      // Decided once, when the head is out and every middleware has run.
      verdict ??= sendsOurBody(c, ourResponse());
      const direct = verdict ? continueNodeResponse(outgoing, handlers) : undefined;
      if (direct !== undefined) outgoing.removeListener(ended as 'close', onEnded);
      return direct;
    };
  };
}

/**
 * The response's `prefinish` (or `close`) listener, made out here so that it holds the stream's
 * handlers only: made inside `nodeServerHandOver` it would keep the whole Hono context alive with
 * the stream. After the stream ends the body closes and the bridge ends the response, so the
 * listener goes with the response; on a closed stream `onDisconnect` does nothing.
 */
function disconnectOnEnd(handlers: TransportHandlers): () => void {
  return () => handlers.onDisconnect();
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
