import type { DrainableStreams, DrainOptions, SSEOptions, SSEStream } from '@ssekit/core';

/** The request facts a scenario may need, as the adapter under test saw them. */
export interface ScenarioRequest {
  /** Path and query of the request. */
  url: string;
}

/** One event-stream route of the conformance app. */
export interface ScenarioRoute {
  /** Path to mount the route at, e.g. `/events/basic`. */
  path: string;
  /** Options to pass to the adapter's `sse(...)` for this route. */
  options: SSEOptions;
  /**
   * The user code of the route. The harness calls it with the route's open stream, exactly as a
   * user would write it in that framework, and does not await it for anything but errors.
   */
  handle(stream: SSEStream, request: ScenarioRequest): void | Promise<void>;
}

/**
 * The app every adapter mounts for the conformance suite. A harness mounts, with its framework:
 * every route of `routes` (GET, through the adapter's `sse`); `GET /state`, answering
 * `JSON.stringify(state())` as `application/json` without touching the adapter; and `GET /plain`,
 * answering status 200 with body `plain` and `Content-Type: text/plain`, with the adapter applied
 * globally where the framework has middleware (Express, Koa), to show untouched routes stay untouched.
 * An error thrown by `handle`, or a rejection of the promise it returns, must reach `onError(error)`
 * (the adapter's `onError` option) and close the stream; the server keeps serving other requests.
 * The harness hands every `sse(...)` result it mounts to `addDrainable`, so `drain` reaches every
 * stream the app opened, as a SIGTERM handler would.
 */
export interface ConformanceApp {
  routes: ScenarioRoute[];
  state(): Record<string, unknown>;
  onError(error: unknown): void;
  /**
   * Takes an `sse(...)` result of the adapter (its `size` and `close`), or, for an adapter built on
   * `openSSEStream` directly, the `StreamGroup` its streams are opened with.
   */
  addDrainable(streams: DrainableStreams): void;
  /** Drains every stream of everything given to `addDrainable`; resolves once all are closed. */
  drain(options: DrainOptions): Promise<void>;
}

/** A running server of the adapter under test. */
export interface RunningServer {
  /** Base URL, `http://127.0.0.1:PORT`, no trailing slash. */
  url: string;
  /** Stops the server and waits until it is down. */
  close(): Promise<void>;
  /**
   * Shuts down gracefully, as the README's SIGTERM recipe does: `app.drain(SHUTDOWN_DRAIN)`, then
   * the server's own graceful close, which cuts no connection (Node's `server.close()`, Bun's
   * `server.stop()`, Deno's `server.shutdown()`). Resolves once the server has closed; a child
   * process does it on SIGTERM and resolves once it has exited by itself, with code 0.
   */
  shutdown(): Promise<void>;
}

/**
 * What each adapter's test supplies to `describeConformance`: a name and how to start a server
 * that mounts a `ConformanceApp` with that adapter. For a server in another process (Bun, Deno),
 * `start` spawns it; the child builds the app with `createConformanceApp()` from
 * `@ssekit/conformance/app` and prints `LISTENING <port>` on a line of its own.
 */
export interface ConformanceHarness {
  /** Shown in test names, e.g. `express 5 (node 20)`. */
  name: string;
  /** Starts a server on 127.0.0.1 with a free port, with the app mounted through the adapter. */
  start(): Promise<RunningServer>;
  /**
   * Whether responses carry `Connection: keep-alive` on HTTP/1.1. Default `true`; set `false` only
   * for a runtime that manages that header itself and drops it (Bun, Deno).
   */
  connectionHeader?: boolean;
  /**
   * Whether the server learns that a client left while its stream writes nothing. Default `true`;
   * set `false` only for a runtime that learns it only when a write to the client fails (workerd,
   * where the next heartbeat tells): the tests that a silent stream's client is noticed leaving
   * within a second are skipped, and the harness's own tests show it is noticed at the heartbeat.
   */
  noticesSilentDisconnect?: boolean;
  /**
   * Whether request headers reach the adapter as the bytes that were sent. Default `true`; `false`
   * for a runtime that decodes header bytes as UTF-8 itself, turning bytes that are not UTF-8 into
   * U+FFFD before any code of ours runs (workerd).
   */
  rawHeaderBytes?: boolean;
}
