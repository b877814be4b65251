import {
  eventStreamHeaders,
  openSSEStream,
  runHandler,
  type SSEOptions,
  type SSEStream,
  type StreamGroup,
  type WebStreamTransportOptions,
  webStreamTransport,
} from '@ssekit/core';
import { isBunServer, liftIdleTimeout } from './bun.js';
import { cancelIfNeverRead } from './unread-body.js';
import { keepAlive, onWorkers, workersOptions } from './workers.js';

/** How `respondWithEventStream` answers: where failures go, and what the adapter knows of the server. */
export interface RespondOptions<Events extends Record<string, unknown> = Record<string, unknown>> {
  /** Where a throw or rejection of the stream's code goes, once the stream has been closed. */
  onFailure(error: unknown, stream: SSEStream<Events>): void;
  /** What the runtime passed next to the request: Bun's server has its idle timeout lifted. */
  server?: unknown;
  /** The group the stream joins, for a graceful shutdown. */
  group?: StreamGroup | undefined;
  /**
   * For a fetch-to-Node bridge (`@ssekit/hono` on `@hono/node-server`): `webStreamTransport`'s
   * `handOver`. The bridge sends the head itself and reports the client leaving through it, so the
   * request's AbortSignal is not read and no comment is needed to push the head out.
   */
  handOver?: WebStreamTransportOptions['handOver'];
  /**
   * The request's `Last-Event-ID` header and URL, when the adapter reads them more cheaply than
   * `request` gives them (`@ssekit/hono` on `@hono/node-server` reads Node's request, whose
   * headers the bridge would otherwise copy into a `Headers` for every stream).
   */
  origin?: { lastEventIdHeader: string | string[] | undefined; url: string | undefined } | undefined;
}

/**
 * Answers `request` with an event stream run by `run`: what `eventStream`, `sse` and `subscribe`
 * do, and what `@ssekit/hono` does on every runtime. For ssekit's adapters, not a stable API. The
 * stream options must have been checked (`validateSSEOptions`).
 *
 * - HEAD gets the headers alone: no stream, `run` does not run.
 * - The client leaving is noticed through the request's AbortSignal, the body being cancelled (the
 *   runtime does when a write fails), or a body nobody starts to read (`cancelIfNeverRead`).
 * - A comment goes out at once, so runtimes that hold the head until the first body bytes (Bun)
 *   open the stream for the client now; a `retry` line, written when the stream opens, does too.
 * - On Bun the server's idle timeout is lifted; on Workers the stream has its own heartbeat timer.
 *
 * @throws TypeError when the web `Headers` refuses a header (the stream is closed first)
 */
export function respondWithEventStream<Events extends Record<string, unknown>>(
  request: Request,
  run: (stream: SSEStream<Events>) => unknown,
  streamOptions: SSEOptions,
  { onFailure, server, group, handOver, origin }: RespondOptions<Events>,
): Response {
  // A HEAD response has no body: answer with the headers alone, opening no stream nobody would read.
  if (request.method === 'HEAD')
    return new Response(null, {
      status: 200,
      headers: eventStreamHeaders({ connectionHeader: false, headers: streamOptions.headers }),
    });
  // Through a hand-over the bridge tells when the client leaves: the request's AbortSignal would
  // only cost every connection an AbortController.
  const transport = webStreamTransport({
    signal: handOver === undefined ? request.signal : undefined,
    handOver,
  });
  const stream = openSSEStream<Events>(
    {
      transport,
      lastEventIdHeader: origin ? origin.lastEventIdHeader : request.headers.get('last-event-id'),
      url: origin ? origin.url : request.url,
      // The runtime owns the connection and may speak HTTP/2 or 3, where Connection is forbidden.
      connectionHeader: false,
      group,
    },
    onWorkers ? workersOptions(streamOptions) : streamOptions,
  );
  if (onWorkers) keepAlive(stream as SSEStream<never>, streamOptions.heartbeat);
  if (isBunServer(server)) liftIdleTimeout(server, request);
  // Bun holds back the head until the body's first chunk (oven-sh/bun#33660), and so may a proxy
  // or platform in front: a comment, which clients ignore, opens the stream for the client now.
  if (handOver === undefined && streamOptions.retry === undefined) stream.comment();
  let response: Response;
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
    () => run(stream),
    (error) => onFailure(error, stream),
  );
  return response;
}

/**
 * The `onFailure` of an adapter: the user's `onError` (called with the stream and whatever else
 * the adapter passes), or else `console.error` with the adapter's name. An error `onError` throws,
 * or a rejection of the promise it returns, is logged too, never left unhandled.
 *
 * @param label the adapter and what failed, e.g. `'[@ssekit/hono] an sse() handler'`
 * @param onError the user's hook, given the error and the stream; `undefined` for none
 */
export function reportFailure<Events extends Record<string, unknown>>(
  label: string,
  onError: ((error: unknown, stream: SSEStream<Events>) => unknown) | undefined,
): (error: unknown, stream: SSEStream<Events>) => void {
  return (error, stream) => {
    if (!onError) return console.error(`${label} failed; its stream was closed.`, error);
    try {
      Promise.resolve(onError(error, stream)).catch((thrown) =>
        console.error(`${label}: its onError failed.`, thrown),
      );
    } catch (thrown) {
      console.error(`${label}: its onError failed.`, thrown);
    }
  };
}
