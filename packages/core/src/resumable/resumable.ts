import type { SSEStream } from '../stream.js';
import { checkStreamId, isStreamId, parseResumableEventId } from './event-id.js';
import { type ResumableOptions, resolveResumableOptions } from './options.js';
import { type Producer, runProducer } from './producer.js';
import { followStream, type ReaderStart } from './reader.js';
import type { ResumableStart } from './routes.js';

/**
 * What a route answers, decided before any response is sent: either an event stream (`follow`
 * writes it, open it first) or a plain status with a small JSON body.
 *
 * - `200` + `follow`: the stream (events, then the terminal event `ssekit-end`).
 * - `204`: the client's Last-Event-ID is the terminal event's: it has everything (an `EventSource`
 *   stops reconnecting on 204).
 * - `404` `{"error":"gone","streamId":...}`: no such stream (never created, TTL passed, or the
 *   Last-Event-ID belongs to an older stream of the same id).
 * - `200` `{"cancelled":true|false}`: the cancel route; `false` when the stream had already ended.
 */
export type ResumableAnswer =
  | { readonly status: 200; readonly follow: (stream: SSEStream) => Promise<void> }
  | { readonly status: 200 | 204 | 404; readonly json: Readonly<Record<string, unknown>> | undefined };

/** One of the three routes of a resumable stream, as an adapter's helper names it. */
export type ResumableRoute =
  /** `POST /chat`: creates the stream (once) and streams it. */
  | ({ readonly kind: 'start' } & ResumableStart)
  /** `GET /chat/:id/stream`: follows it from the request's Last-Event-ID. */
  | { readonly kind: 'resume'; readonly streamId: string }
  /** `POST /chat/:id/cancel`: stops it. */
  | { readonly kind: 'cancel'; readonly streamId: string };

/** What `cancel` found. */
export type CancelResult = 'cancelled' | 'finished' | 'gone';

/**
 * Streams that outlive their connections: a producer runs once per stream id, writing to a log;
 * any number of readers (on any instance sharing the log) follow it from the start or from their
 * Last-Event-ID, and `cancel` stops it from anywhere. Adapters' helpers call `answer`; `start`, `resume`
 * and `cancel` serve apps that route by hand.
 */
export interface Resumable {
  /**
   * Creates stream `streamId` and runs `producer` in the background (it keeps running when clients
   * leave), unless the id already names a stream that is not gone: then nothing starts, and the
   * answer follows the existing stream (so a retried `POST` is harmless). The answer honours the
   * request's Last-Event-ID as `resume` does.
   *
   * @throws SSEFieldError (`ERR_SSE_INVALID_STREAM_ID`) for an id that is not 1-200 of `A-Z a-z 0-9 _ - . ~`
   */
  start(streamId: string, producer: Producer, lastEventId?: string): Promise<ResumableAnswer>;
  /** The answer for a reader of stream `streamId` whose client sent `lastEventId` (if any). */
  resume(streamId: string, lastEventId?: string): Promise<ResumableAnswer>;
  /** Ends stream `streamId` with `cancelled` from any instance: its producer's signal aborts, every reader gets the terminal event. */
  cancel(streamId: string): Promise<CancelResult>;
  /**
   * The answer of one of the three routes, for adapters: `start` (as `start`), `resume` (as
   * `resume`), `cancel` (200 `{"cancelled":true|false}`, or 404 when gone).
   */
  answer(route: ResumableRoute, lastEventId?: string): Promise<ResumableAnswer>;
  /** Lets go of the log (its connections and timers). */
  close(): Promise<void>;
}

/**
 * Creates the resumable streams of an app. See `ResumableOptions` for the limits (per stream) and
 * the log (memory by default; `@ssekit/redis` for several instances).
 *
 * @throws SSERangeError / SSEFieldError (`ERR_SSE_INVALID_OPTION`) for an invalid option
 */
export function createResumable(options: ResumableOptions = {}): Resumable {
  const resolved = resolveResumableOptions(options);
  const { log } = resolved;
  const gone = (streamId: string): ResumableAnswer => ({ status: 404, json: { error: 'gone', streamId } });

  /** Where a reader with `lastEventId` starts in the stream of `generation`; `undefined` if not in it. */
  function startOf(
    streamId: string,
    generation: string,
    lastEventId: string | undefined,
  ): ReaderStart | 'end' | undefined {
    const position = lastEventId === undefined ? undefined : parseResumableEventId(lastEventId);
    // An id that is not one of ours (or another stream's) says nothing: read from the start.
    if (!position || position.streamId !== streamId) return { generation, after: 0, lastEventId };
    if (position.generation !== generation) return undefined;
    if (position.seq === 'end') return 'end';
    return { generation, after: position.seq, lastEventId };
  }

  async function answer(
    streamId: string,
    lastEventId: string | undefined,
    generation?: string,
  ): Promise<ResumableAnswer> {
    const page = await log.read(streamId, { generation, after: 0, limit: 1 });
    if (page.kind === 'gone') return gone(streamId);
    const start = startOf(streamId, page.generation, lastEventId);
    if (start === undefined) return gone(streamId);
    if (start === 'end') return { status: 204, json: undefined };
    return { status: 200, follow: (stream) => followStream(stream, streamId, start, resolved) };
  }

  return {
    async start(streamId, producer, lastEventId) {
      checkStreamId(streamId);
      const created = await log.create(streamId, resolved.limits);
      if (created.created) void runProducer(streamId, created.generation, producer, resolved);
      return answer(streamId, created.created ? undefined : lastEventId, created.generation);
    },
    resume(streamId, lastEventId) {
      return isStreamId(streamId) ? answer(streamId, lastEventId) : Promise.resolve(gone(streamId));
    },
    async cancel(streamId) {
      if (!isStreamId(streamId)) return 'gone';
      if (await log.finish(streamId, undefined, { state: 'cancelled', reason: 'request' }))
        return 'cancelled';
      const page = await log.read(streamId, { after: 0, limit: 1 });
      return page.kind === 'gone' ? 'gone' : 'finished';
    },
    async answer(route, lastEventId) {
      if (route.kind === 'start') return this.start(route.streamId, route.producer, lastEventId);
      if (route.kind === 'resume') return this.resume(route.streamId, lastEventId);
      const result = await this.cancel(route.streamId);
      return result === 'gone'
        ? gone(route.streamId)
        : { status: 200, json: { cancelled: result === 'cancelled' } };
    },
    close: () => log.close(),
  };
}
