import type { StreamSetup } from './lazy-stream.js';
import { openSSEStream, type SSEStream, type StreamRequest } from './stream.js';
import type { StreamGroup } from './stream-group.js';
import {
  type NodeResponseLike,
  type NodeSocketLike,
  nodeResponseTransport,
} from './transports/node-response.js';

/**
 * The parts of a Node request the stream needs: `http.IncomingMessage`, `http2`'s compatibility
 * request and the frameworks' requests built on them (Express, Koa's `ctx.req`) all fit.
 */
export interface NodeRequestLike {
  /** `HEAD` gets the headers only. */
  readonly method?: string | undefined;
  /** Lower-cased names, as Node gives them; `last-event-id` is read. */
  readonly headers: { readonly [name: string]: string | string[] | undefined };
  /** Path and query, for the last-event-id query parameter. */
  readonly url?: string | undefined;
  /** 1 for HTTP/1.x, which alone has a socket of its own and connection headers. */
  readonly httpVersionMajor: number;
  /** The connection (HTTP/1.x). */
  readonly socket?: NodeSocketLike | null | undefined;
}

/**
 * Translates a Node request and its response into what `openSSEStream` takes, so adapters on Node
 * servers only say where their framework keeps these.
 *
 * @param url the URL the client asked for, when a framework may have rewritten `request.url`
 *   (Express's `originalUrl` in a mounted router, Koa's `ctx.originalUrl`)
 * @param group the group of the `sse(...)` that opens the stream, so a shutdown can drain it
 */
export function nodeStreamRequest(
  request: NodeRequestLike,
  response: NodeResponseLike,
  url: string | undefined = request.url,
  group?: StreamGroup,
): StreamRequest {
  // Only HTTP/1 has a socket of its own; on HTTP/2 `request.socket` is the session's, shared by
  // every stream on it, so its timeouts are left alone.
  const http1 = request.httpVersionMajor === 1;
  return {
    transport: nodeResponseTransport(response, http1 ? request.socket : undefined),
    lastEventIdHeader: request.headers['last-event-id'],
    url,
    // Node writes `Connection` itself on HTTP/1.x (`keep-alive`, or `close` when it will close the
    // connection after this response), so it stays Node's: one header less that Node keeps in
    // memory for every open response.
    connectionHeader: false,
    headOnly: request.method === 'HEAD',
    group,
  };
}

/**
 * Opens the event stream of one Node request with an `sse(...)` call's setup (`streamSetup`): its
 * options, and its group, which the stream joins. What an adapter on a Node server (Express, Koa,
 * Fastify) calls when its `sse` property is first read.
 *
 * @param url as for `nodeStreamRequest`
 * @throws what `openSSEStream` throws (headers already sent)
 */
export function openNodeStream(
  request: NodeRequestLike,
  response: NodeResponseLike,
  url: string | undefined,
  setup: StreamSetup,
): SSEStream {
  return openSSEStream(nodeStreamRequest(request, response, url, setup.group), setup.options);
}
