import { createParser, type ParsedEvent } from '@ssekit/core';
import { type NodeHandler, type NodeServerLike, requestNodeServer } from './node-server.js';

/** A Hono app, or anything else with a web `fetch(request)` handler. */
export interface FetchApp {
  fetch(request: Request): Response | Promise<Response>;
}

/**
 * What `collect` reads: a `Response` (or the promise of one, such as Hono's `app.request('/events')`),
 * a URL, a fetch app (Hono), or a Node server the way supertest takes one: a request handler
 * (an Express app, Koa's `app.callback()`), a Koa app, or an `http.Server` (listening or not).
 */
export type CollectSource =
  | Response
  | Promise<Response>
  | string
  | URL
  | FetchApp
  | NodeHandler
  | NodeServerLike
  | { callback(): NodeHandler };

/** Options of `collect`. */
export interface CollectOptions {
  /** Stop after this many events. */
  count?: number;
  /** Stop once this returns true for an event (that event is included). */
  until?: (event: ParsedEvent, events: readonly ParsedEvent[]) => boolean;
  /**
   * Milliseconds to wait before failing with the events read so far. Default 2000. Without `count` or
   * `until`, `collect` reads until the server ends the stream; with one, a stream that ends first fails.
   */
  timeout?: number;
  /** Path and query to request from an app or server. Default `'/'`. */
  path?: string;
  /** Method, headers and body of the request (for a URL, an app or a server). Default: a GET. */
  init?: RequestInit;
}

/** Reads events from a response body until `count`/`until` says to stop or the body ends; cancels the body. */
async function readEvents(
  response: Response,
  options: CollectOptions,
  signal: AbortSignal,
): Promise<{ events: ParsedEvent[]; stopped: boolean }> {
  const type = response.headers.get('content-type') ?? '';
  if (response.status !== 200 || !/^text\/event-stream/i.test(type)) {
    const body = (await response.text().catch(() => '')).slice(0, 200);
    throw new Error(`collect: expected an event stream, got status ${response.status} (${type}): ${body}`);
  }
  const events: ParsedEvent[] = [];
  let stop = false;
  const parser = createParser({
    onEvent(event) {
      if (stop) return;
      events.push(event);
      if (events.length === options.count || options.until?.(event, events)) stop = true;
    },
  });
  const reader = response.body!.getReader();
  const onAbort = () => reader.cancel().catch(() => {});
  signal.addEventListener('abort', onAbort);
  try {
    while (!stop && !signal.aborted) {
      const { done, value } = await reader.read();
      if (done) break;
      parser.feed(value);
    }
  } finally {
    signal.removeEventListener('abort', onAbort);
    // Leaving closes the connection: the server sees the client go, as in production.
    await reader.cancel().catch(() => {});
  }
  return { events, stopped: stop };
}

function isResponseLike(source: unknown): source is Response | Promise<Response> {
  return source instanceof Response || source instanceof Promise;
}

/**
 * Reads the events an SSE route sends and closes the connection: no sleeping, no hanging request.
 * Resolves with the events (type, data as text, lastEventId) once `count` arrived or `until` said
 * so (or, with neither, once the server ended the stream); rejects with what arrived so far after
 * `timeout` or when the stream ended first, and when the response is not a 200 event stream.
 *
 * @example
 * const events = await collect(app.request('/events'), { count: 2 }); // Hono
 * const events = await collect(expressApp, { path: '/events', count: 2 }); // as supertest takes it
 */
export async function collect(source: CollectSource, options: CollectOptions = {}): Promise<ParsedEvent[]> {
  const { timeout = 2000, path = '/', init } = options;
  const controller = new AbortController();
  let cleanup: (() => Promise<void>) | undefined;
  const timer = setTimeout(() => controller.abort(), timeout);
  try {
    let response: Response;
    if (isResponseLike(source)) response = await source;
    else if (typeof source === 'string' || source instanceof URL)
      response = await fetch(source, { ...init, signal: controller.signal });
    else if (typeof (source as FetchApp).fetch === 'function')
      response = await (source as FetchApp).fetch(
        new Request(new URL(path, 'http://localhost'), { ...init, signal: controller.signal }),
      );
    else {
      const server = await requestNodeServer(
        source as NodeHandler | NodeServerLike,
        path,
        init,
        controller.signal,
      );
      cleanup = server.close;
      response = server.response;
    }
    const { events, stopped } = await readEvents(response, options, controller.signal);
    const expected = options.count !== undefined || options.until !== undefined;
    if (expected && !stopped) {
      const wanted = options.count === undefined ? 'the `until` event' : `${options.count} events`;
      const why = controller.signal.aborted ? `timed out after ${timeout} ms` : 'the stream ended';
      throw new Error(
        `collect: ${why} waiting for ${wanted}; got ${events.length}: ${JSON.stringify(events)}`,
      );
    }
    if (controller.signal.aborted) throw new Error(`collect: the stream did not end within ${timeout} ms`);
    return events;
  } finally {
    clearTimeout(timer);
    controller.abort();
    await cleanup?.();
  }
}
