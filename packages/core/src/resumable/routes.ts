import type { SSEOptions } from '../options.js';
import type { Producer } from './producer.js';

/** What the start route's code decides: the new stream's id and what produces it. */
export interface ResumableStart {
  /** The stream id: 1-200 of `A-Z a-z 0-9 _ - . ~` (a UUID fits). */
  readonly streamId: string;
  /** Runs once per stream id, in the background; see `Producer`. */
  readonly producer: Producer;
}

/** The three handlers of a resumable stream an adapter's `resumableRoutes` returns, in its framework's shape. */
export interface ResumableHandlers<Handler> {
  /** `POST /chat`: starts the stream (once per id) and streams it. */
  readonly start: Handler;
  /** `GET /chat/:id/stream`: follows the stream from the request's Last-Event-ID; 404 once gone. */
  readonly resume: Handler;
  /** `POST /chat/:id/cancel`: stops it; 200 `{"cancelled":true|false}`, 404 once gone. */
  readonly cancel: Handler;
}

/** Options of an adapter's `resumableRoutes`: the event streams' options plus where the stream id is. */
export interface ResumableRoutesOptions<Request> extends SSEOptions {
  /**
   * Reads the stream id of the `resume` and `cancel` routes from the request. Default: the route
   * parameter `id`, where the framework keeps it.
   */
  streamId?: (request: Request) => string;
}
