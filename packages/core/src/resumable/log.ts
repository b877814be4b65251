/**
 * The log behind a resumable stream: every event a producer writes, in order, then the state it
 * ended in. One log serves one server instance (`memoryLog`) or every instance sharing a store
 * (Redis, NATS...). The resumable layer in core does the rest (producers, readers, SSE framing,
 * cancel, limits' timers) and talks to the store only through this interface, so a shared store
 * gives readers, resumes and cancel on any instance.
 *
 * Words used below:
 * - **stream id**: the application's key of one generation ("answer"), e.g. a chat id. At most
 *   200 characters of `A-Z a-z 0-9 _ - . ~` (so it can sit in a URL path and in an event id).
 * - **generation**: an opaque token (`[0-9a-z]+`) the log gives each creation of a stream id. Once a
 *   stream is gone, the same id may be created again; its generation differs, so an event id of the
 *   older stream is never mistaken for a position in the newer one.
 * - **sequence**: an event's position in its stream, counting up from 1 with no holes. Trimming
 *   removes the oldest events but never renumbers.
 * - **event id**: what goes on the wire as the SSE `id` (and what MCP's `EventStore` returns):
 *   `<stream id>:<generation>:<sequence>`, built and parsed by core (`resumableEventId`,
 *   `parseResumableEventId`), never by a log. It names its stream, so an event id alone finds the
 *   stream (MCP's `getStreamIdForEventId`), and a plain `EventSource` resumes with no extra code.
 *
 * Every method may be called from any instance, concurrently. Implementations answer with promises
 * (a memory log resolves at once) and must make each method atomic: two `create` calls for one id
 * agree on one winner; `finish` and `append` never interleave so that an event lands after the end.
 */

/** The limits of one stream, fixed when it is created. Durations in milliseconds, sizes in UTF-8 bytes. */
export interface ResumableLimits {
  /** Most events kept. When passed, the oldest are trimmed; a reader asking for them gets the gap event. */
  readonly maxEvents: number;
  /** Most bytes of event data and names kept; trimmed like `maxEvents`. */
  readonly maxBytes: number;
  /** How long a finished stream stays readable; after that it is gone. */
  readonly ttl: number;
  /**
   * How long the producer may run from creation. The producer's instance ends the stream with
   * `cancelled` / `'max-duration'` then. Stored (as `deadline`) so that readers on any instance can
   * end a stream whose producer's instance died (see `LogPage.deadline`).
   */
  readonly maxDuration: number;
}

/** How a stream ended, as readers receive it in the terminal event. */
export type TerminalState =
  /** The producer finished normally. */
  | { readonly state: 'done' }
  /** The producer failed (it threw, or its instance stopped answering); `message` is safe to show. */
  | { readonly state: 'error'; readonly message: string }
  /** Stopped before the producer finished: someone called cancel, or `maxDuration` passed. */
  | { readonly state: 'cancelled'; readonly reason: 'request' | 'max-duration' };

/** What a producer writes: the data already serialized to text (like a channel's `ChannelMessage`). */
export interface LogEvent {
  /** The event type; absent means `message`. */
  readonly event?: string | undefined;
  /** The serialized data, exactly as readers will receive it. */
  readonly data: string;
}

/** An event as the log keeps it. */
export interface LogEntry extends LogEvent {
  /** Its position in the stream, from 1. */
  readonly seq: number;
}

/** What `create` answers. */
export type CreateResult =
  /** This call created the stream: the caller runs its producer and is its only writer. */
  | { readonly created: true; readonly generation: string }
  /**
   * The id already names a stream that is not gone (running, or finished within its TTL): nothing
   * was changed, and the caller must NOT start a producer. The resumable layer answers such a
   * second `POST` as a reader of the existing stream (from its start, or from the request's
   * Last-Event-ID), so a retried request is harmless.
   */
  | { readonly created: false; readonly generation: string };

/** What a reader gets for one read. */
export type LogPage =
  /**
   * Nothing to read: the id was never created, its finished stream passed its TTL, or the
   * requested generation is not the current one (an older stream of the same id).
   */
  | { readonly kind: 'gone' }
  | {
      readonly kind: 'page';
      /** The stream's current generation. */
      readonly generation: string;
      /**
       * The events with sequence > `after`, oldest first, at most `limit` of them. If `after` is
       * below `first - 1`, the events in between were trimmed: `entries` starts at `first` and the
       * reader sends the gap event.
       */
      readonly entries: readonly LogEntry[];
      /** The sequence of the oldest event still kept (`last + 1` when none is kept). */
      readonly first: number;
      /** The sequence of the newest event written (0 when none). */
      readonly last: number;
      /**
       * The state the stream ended in, or absent while it runs. Read in one snapshot with `last`:
       * if present, no event after `last` will ever exist, so a reader that has reached `last`
       * sends the terminal event and ends. Never an ended stream without its terminal state.
       */
      readonly terminal?: TerminalState | undefined;
      /**
       * Epoch milliseconds when the stream reaches `maxDuration`. A reader that finds the stream
       * still running well after it (its producer's instance died) may `finish` it with `error`.
       */
      readonly deadline: number;
    };

/** What a watcher is told: a hint that something changed; read to get the events. */
export interface LogChange {
  /** The newest sequence when the change was made (hints may be coalesced: only the newest matters). */
  readonly last: number;
  /** Set when the change was the stream's end. */
  readonly terminal?: TerminalState | undefined;
}

/**
 * The store of resumable streams. `memoryLog` keeps them in this process; a shared implementation
 * (one Redis Stream and one small hash per stream id, say) lets every instance produce, read and
 * cancel any stream. The mapping onto Redis: `create` = `SET meta NX` + expiry; `append` = `XADD
 * key <seq>-0` guarded by the state (a script, so it is refused after the end); `finish` = the
 * state change and its notification in one script; `read` = `XRANGE` + the meta in one round trip;
 * `watch` = the instance's one subscriber (pub/sub or `XREAD BLOCK`), fanned out locally.
 */
export interface ResumableLog {
  /**
   * Creates stream `id` with `limits` if it does not exist or is gone; atomic across instances.
   * The stream starts running with no events.
   */
  create(id: string, limits: ResumableLimits): Promise<CreateResult>;
  /**
   * Appends one event to a running stream and returns its sequence, or `undefined` if the stream
   * no longer runs under `generation` (it was finished, cancelled, or is gone): the producer then
   * stops. Calls from one producer are applied in call order. Trims to the stream's limits.
   */
  append(id: string, generation: string, event: LogEvent): Promise<number | undefined>;
  /**
   * Ends a running stream with `terminal`, atomically with its last event: the first `finish`
   * wins and returns `true`; later ones (and any for a generation that is not current, or a gone
   * stream) change nothing and return `false`. `generation` absent means the current one (what a
   * cancel request, which knows only the id, uses). From now on the stream's TTL runs, and every
   * watcher is told, on every instance.
   */
  finish(id: string, generation: string | undefined, terminal: TerminalState): Promise<boolean>;
  /**
   * The events of stream `id` after sequence `after` (0 = from the start), at most `limit`
   * (> 0), with the stream's state; `'gone'` if it is gone or `generation` (when given) is not current.
   */
  read(
    id: string,
    options: { readonly generation?: string | undefined; readonly after: number; readonly limit: number },
  ): Promise<LogPage>;
  /**
   * Calls `listener` after every `append` and `finish` of stream `id`, made by any instance, soon
   * after it is made (implementations state their bound). Hints may be coalesced and may arrive
   * after a `read` already showed the change: a watcher re-reads from its own position. The
   * listener must not throw. Returns the function that stops watching; once every watcher of an id
   * has stopped, nothing is held for it.
   */
  watch(id: string, listener: (change: LogChange) => void): () => void;
  /** Lets go of connections and timers. Idempotent. Streams of a shared store live on. */
  close(): Promise<void>;
}
