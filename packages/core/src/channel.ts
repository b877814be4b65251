import { BackgroundInterval } from './background-timer.js';
import { encodeBroadcast } from './broadcast.js';
import { type ChannelBus, localBus } from './bus.js';
import { checkNumberOption, invalidOption } from './check-option.js';
import { createDrain, type Drain, type DrainOptions } from './drain.js';
import { checkEventName, checkId, dataToText, encodeEvent, jsonSerializer } from './encode.js';
import { SSEFieldError } from './errors.js';
import { DEFAULT_GAP_EVENT } from './gap-event.js';
import {
  type ChannelMessage,
  type DeliveringHistory,
  type HistoryStore,
  isDeliveringHistory,
  type LiveGap,
  type MemoryHistoryOptions,
  memoryHistory,
  type StoredMessage,
} from './history.js';
import { SharedReads, UNSHARED_REPLAYS } from './replay-reads.js';
import { type SSEStream, streamInternals } from './stream.js';
import type { SendArgs, Serializer } from './types.js';

// Pure (here and LIVE_MEMBER): a bundle that uses no channel, such as @ssekit/client's, drops them.
const encoder = /* @__PURE__ */ new TextEncoder();
/** Most messages one replay page holds; fewer when messages are large (see `pageLimit`). */
const MAX_REPLAY_PAGE = 256;
/** The first page, read before the size of messages is known. */
const FIRST_REPLAY_PAGE = 16;

/** Options of `createChannel`. */
export interface ChannelOptions {
  /**
   * Keep recent events so a reconnecting client gets exactly what it missed. A number keeps that
   * many events in memory; `MemoryHistoryOptions` also bounds bytes and age; a `HistoryStore`
   * plugs in a shared store, and a `DeliveringHistory` (such as `@ssekit/redis`'s `redisChannel`)
   * also carries broadcasts to every instance, so it needs no `bus`. With a history, the channel
   * assigns every event's id. Default: none.
   */
  history?: number | MemoryHistoryOptions | HistoryStore;
  /**
   * How broadcasts reach every server instance, for a channel whose history does not deliver them
   * itself. Default: `localBus()`, this process only. Passing the same object as `history` (the
   * older `{ history: shared, bus: shared }` form) is the same as passing it as `history` alone.
   */
  bus?: ChannelBus;
  /** Turns non-string data into text, once per broadcast. Default `JSON.stringify`. */
  serializer?: Serializer;
  /**
   * Name of the event sent to a reconnecting client whose Last-Event-ID cannot be replayed (from
   * before a restart, trimmed away, or unknown). Its data is JSON `{ "lastEventId", "reason" }` and
   * its id is the newest event's, so the client resumes from there. Default `'ssekit-gap'`.
   */
  gapEvent?: string;
  /**
   * Milliseconds after which a member stream is closed so long-lived connections rotate through
   * load balancers (the client reconnects and resumes by Last-Event-ID). Default: no limit.
   */
  maxLifetime?: number;
  /** Fraction of `maxLifetime` by which each stream's lifetime is shortened at random, 0 to 1. Default 0.2. */
  lifetimeJitter?: number;
  /**
   * Told about what the channel skipped instead of failing a broadcast or the process:
   * - a member's `filter` threw: `stream` is that member, which is closed (its client reconnects
   *   and resumes by Last-Event-ID); every other member is served;
   * - a message cannot be encoded (an entry another producer wrote to a shared history, with a
   *   newline in its event name, say): `stream` is `undefined`; the message is skipped for every
   *   member, live and in replays, so clients never see it (the next event's id moves them past it).
   *   It is reported once per message read: once per live delivery, and once per replay that reads it.
   * - a history could not be read for a reconnecting member, which is closed so its client retries.
   * Default: `console.error`.
   */
  onError?: (error: unknown, stream: SSEStream<never> | undefined) => void;
  /**
   * Told what the channel does, for metrics: `@ssekit/otel`'s `channelMetrics` reports it as
   * OpenTelemetry series. It is called once per broadcast, never once per member, so it costs the
   * same however many clients a broadcast reaches. Default: none.
   */
  monitor?: ChannelMonitor;
}

/**
 * What a channel tells a metrics library. Counters are read from `stats` when the library collects
 * them; only `delivered` runs on the delivery path, once per broadcast.
 */
export interface ChannelMonitor {
  /** Called once, by the channel's constructor, with a function that reads the channel's `stats`. */
  attach(stats: () => ChannelStats): void;
  /**
   * Called once for each broadcast this instance delivers to its members, before it is written to
   * them, with the message as the bus handed it over: its `sentAt` (when present) tells how long
   * the trip from `channel.send` on any instance took. If it throws, the error goes to `onError`.
   */
  delivered(message: ChannelMessage): void;
  /** Called once when `channel.close()` has closed every member: let go of `stats`. */
  detach(): void;
}

/** Options of `channel.add`. */
export interface AddOptions {
  /**
   * Decides per broadcast whether this stream receives it; the bytes are not re-encoded. Default:
   * every event. If it throws, this stream is closed and the error goes to the channel's `onError`.
   */
  filter?: (message: ChannelMessage) => boolean;
}

/** Options of `channel.send`: the event's type, and its id when the channel has no history. */
export interface ChannelSendOptions {
  event?: string;
  /** The event's id. Only for channels without history: a history assigns ids itself. */
  id?: string;
}

/** Counters of a channel, for metrics. Counts are since the channel was created. */
export interface ChannelStats {
  /** Streams in the channel now. */
  streams: number;
  /** Bytes written to member streams that their clients have not taken yet. */
  bufferedBytes: number;
  /** Broadcasts delivered to this instance's members. */
  eventsSent: number;
  /**
   * Events written to member streams: a broadcast to 100 members counts 100 (fewer when filters
   * refuse it), and replayed events count too. Gap events are counted in `gapsSignalled` instead.
   */
  eventsDelivered: number;
  /** Bytes of the events counted in `eventsDelivered`, as written (UTF-8 event blocks). */
  bytesDelivered: number;
  /** Member streams closed because their client fell more than `maxBufferedBytes` behind. */
  droppedSlow: number;
  /** Reconnecting streams given the events they missed. */
  replaysServed: number;
  /** Events written to reconnecting streams by those replays (also counted in `eventsDelivered`). */
  eventsReplayed: number;
  /** Reconnecting streams sent the gap event instead of a replay. */
  resumesWithGap: number;
  /**
   * Gap events sent: to reconnecting streams (`resumesWithGap`), and to live members when a shared
   * bus lost messages before this instance could deliver them.
   */
  gapsSignalled: number;
}

interface Member {
  readonly filter: AddOptions['filter'];
  /** Broadcasts held back while the stream's replay is read; `undefined` once it is live. */
  pending: ChannelMessage[] | undefined;
  pendingBytes: number;
  /** Bytes of the replay page read for this stream and not written to it yet. */
  pageBytes: number;
  /** When the stream's `maxLifetime` runs out (ms since epoch); `Infinity` without one. */
  expiresAt: number;
}

/** The record of every member that has no filter, no lifetime and no replay under way; never written. */
const LIVE_MEMBER: Member = /* @__PURE__ */ Object.freeze({
  filter: undefined,
  pending: undefined,
  pendingBytes: 0,
  pageBytes: 0,
  expiresAt: Infinity,
});

/**
 * A set of streams that receive the same events: each broadcast is serialized and encoded once, and
 * the same bytes are written to every member. With a history, a stream that joins with a
 * Last-Event-ID first receives exactly the events it missed, then the live ones, with neither gap
 * nor duplicate. Create one with `createChannel`.
 */
export class Channel<Events extends Record<string, unknown> = Record<string, unknown>> {
  private readonly members = new Map<SSEStream<never>, Member>();
  private readonly store: HistoryStore | undefined;
  /** The store's replay pages, read once for every resumer asking for the same one at about the same time. */
  private readonly reads: SharedReads | undefined;
  /** The id of the newest broadcast delivered here: what a resumer joining now must not miss. */
  private lastDelivered: string | undefined;
  private readonly bus: ChannelBus;
  private readonly serialize: Serializer;
  private readonly gapEvent: string;
  private readonly maxLifetime: number;
  private readonly lifetimeJitter: number;
  private readonly unsubscribe: () => void;
  private readonly report: (error: unknown, stream: SSEStream<never> | undefined) => void;
  private readonly encoded = new WeakMap<ChannelMessage, Uint8Array>();
  /** Messages that could not be encoded, so each is reported once. */
  private readonly invalid = new WeakSet<ChannelMessage>();
  /** One timer per channel, not per stream: it checks every member a few dozen times a lifetime. */
  private readonly lifetimeTimer = new BackgroundInterval(() => {
    const now = Date.now();
    for (const [stream, member] of this.members) if (member.expiresAt <= now) stream.close();
  });
  /** Set by `close`: the drain that ends members, and streams added later. */
  private drained: { drain: Drain; done: Promise<void> } | undefined;
  private readonly counters = {
    eventsSent: 0,
    eventsDelivered: 0,
    bytesDelivered: 0,
    droppedSlow: 0,
    replaysServed: 0,
    eventsReplayed: 0,
    resumesWithGap: 0,
    gapsSignalled: 0,
  };
  private readonly monitor: ChannelMonitor | undefined;
  /** One close listener shared by every member (it receives the stream): joining allocates no closure. */
  private readonly forgetMember = (stream: SSEStream<never>) => this.forget(stream);

  constructor(options: ChannelOptions = {}) {
    const { history } = options;
    this.store =
      history === undefined
        ? undefined
        : typeof history === 'number'
          ? memoryHistory({ size: history })
          : 'append' in history
            ? history
            : memoryHistory(history);
    this.reads =
      this.store &&
      new SharedReads(this.store, (options as { [UNSHARED_REPLAYS]?: boolean })[UNSHARED_REPLAYS] !== true);
    this.bus = busFor(this.store, options.bus);
    this.serialize = options.serializer ?? jsonSerializer;
    if (typeof this.serialize !== 'function')
      throw invalidOption('serializer', this.serialize, 'a function', 'type');
    this.gapEvent = options.gapEvent ?? DEFAULT_GAP_EVENT;
    try {
      checkEventName(this.gapEvent);
    } catch {
      throw invalidOption('gapEvent', this.gapEvent, 'an event name without CR or LF', 'type');
    }
    this.maxLifetime = checkNumberOption('maxLifetime', options.maxLifetime, {
      fallback: Infinity,
      above: 0,
      requirement: 'a number of milliseconds > 0 (or Infinity for no limit)',
    });
    this.lifetimeJitter = checkNumberOption('lifetimeJitter', options.lifetimeJitter, {
      fallback: 0.2,
      min: 0,
      max: 1,
      requirement: 'a fraction from 0 to 1',
    });
    const { onError = defaultOnError } = options;
    if (typeof onError !== 'function') throw invalidOption('onError', onError, 'a function', 'type');
    this.report = (error, stream) => {
      try {
        onError(error, stream);
      } catch {
        // A failing error hook must not break the broadcast it reports on.
      }
    };
    this.monitor = checkMonitor(options.monitor);
    this.monitor?.attach(() => this.stats);
    this.unsubscribe = this.bus.subscribe(
      (message) => this.deliver(message),
      (gap) => this.signalLiveGap(gap),
    );
  }

  /** Streams in the channel. */
  get size(): number {
    return this.members.size;
  }

  /** A snapshot of the channel's counters. */
  get stats(): ChannelStats {
    let bufferedBytes = 0;
    for (const stream of this.members.keys()) bufferedBytes += stream.bufferedBytes;
    return { streams: this.members.size, bufferedBytes, ...this.counters };
  }

  /**
   * Adds a stream. It leaves by itself when it closes. If the channel has a history and the stream
   * has a `lastEventId`, it first receives every later event still in the history, or the gap event
   * when that id cannot be replayed; broadcasts that arrive meanwhile follow the replay.
   * Adding a stream that is already a member, or closed, does nothing. A stream added once `close`
   * has been called gets the drain's last event and retry hint and is closed at once, so no client
   * is left on a channel that will never send again.
   */
  add(stream: SSEStream<never>, options: AddOptions = {}): void {
    if (stream.closed || this.members.has(stream)) return;
    if (this.drained) {
      this.drained.drain.end(stream);
      return;
    }
    const expiresAt = this.expiryFor();
    const replays = this.store !== undefined && stream.lastEventId !== undefined;
    // Most members are live, unfiltered and ageless: they share one frozen record.
    const member: Member =
      options.filter === undefined && expiresAt === Infinity && !replays
        ? LIVE_MEMBER
        : { filter: options.filter, pending: undefined, pendingBytes: 0, pageBytes: 0, expiresAt };
    streamInternals(stream).addCloseListener(this.forgetMember);
    this.members.set(stream, member);
    if (expiresAt !== Infinity) {
      this.lifetimeTimer.start(Math.max(100, Math.min(1000, this.maxLifetime / 20)));
    }
    if (this.store && this.reads && stream.lastEventId !== undefined) {
      member.pending = [];
      this.replay(this.store, this.reads, stream, member, stream.lastEventId).catch((error: unknown) => {
        // A shared store that cannot answer (Redis unreachable) must not leave the stream holding its
        // live events back forever: closing it makes the client reconnect and ask again.
        this.report(error, stream);
        stream.close();
      });
    }
  }

  /** Removes a stream without closing it. Returns whether it was a member. */
  delete(stream: SSEStream<never>): boolean {
    if (!this.members.delete(stream)) return false;
    streamInternals(stream).removeCloseListener(this.forgetMember);
    if (this.members.size === 0) this.lifetimeTimer.stop();
    return true;
  }

  /**
   * Broadcasts an event to every member (and, through a shared bus, to every instance). The data is
   * serialized and encoded once. Resolves to the event's id (assigned by the history, or the one
   * given), once the event is published; rejects if the bus or store could not publish it.
   *
   * @throws SSEFieldError / SSERangeError, synchronously, for an invalid event name or id, an id
   *   given to a channel with history, or data the serializer cannot represent.
   */
  send(...args: SendArgs<Events, ChannelSendOptions>): Promise<string | undefined> {
    const [data, options = {}] = args as [unknown, ChannelSendOptions | undefined];
    const { event, id } = options;
    if (event !== undefined) checkEventName(event);
    if (id !== undefined) {
      if (this.store) {
        throw new SSEFieldError(
          'ERR_SSE_INVALID_OPTION',
          'id',
          id,
          'This channel has a history, which assigns event ids itself; send without an id.',
        );
      }
      checkId(id);
    }
    const message: ChannelMessage = { event, id, data: dataToText(data, this.serialize), sentAt: Date.now() };
    if (this.drained) return Promise.reject(new Error('channel.send: the channel is closed.'));
    if (!this.store) return settleAsPromise(this.bus.publish(message), () => id);
    return settleAsPromise(this.store.append(message), (stored) =>
      settleAsPromise(this.bus.publish(stored), () => stored.id),
    );
  }

  /**
   * Drains the channel: stops taking broadcasts, sends the optional last event and `retry` hint to
   * every stream, and closes the streams spread evenly over `over` milliseconds, so a restart does
   * not bring every client back in the same second. Streams added from now on get the same last
   * event and hint and are closed at once. Resolves once every stream is closed and the bus is
   * closed. Calling it again returns the same promise (its options are still checked).
   *
   * @throws SSEFieldError / SSERangeError, synchronously and before anything changes, for a last
   *   event that cannot be encoded, a `retry` out of range or an `over` out of range: the channel
   *   stays open and usable.
   */
  close(options: DrainOptions = {}): Promise<void> {
    const drain = createDrain(options, this.serialize);
    this.drained ??= { drain, done: this.drain(drain) };
    return this.drained.done;
  }

  private async drain(drain: Drain): Promise<void> {
    this.unsubscribe();
    this.lifetimeTimer.stop();
    this.reads?.clear();
    await drain.run(this.members.keys());
    try {
      await this.bus.close?.();
    } finally {
      this.monitor?.detach();
    }
  }

  private deliver(message: ChannelMessage): void {
    if (message.id !== undefined) this.lastDelivered = message.id;
    const bytes = this.bytesOf(message);
    if (!bytes) return;
    if (this.monitor) this.tellDelivered(this.monitor, message);
    const counters = this.counters;
    counters.eventsSent++;
    // Counted in a local and added once per broadcast: the loop stays free of field writes.
    let written = 0;
    for (const [stream, member] of this.members) {
      if (!this.admits(stream, member, message)) continue;
      if (member.pending) {
        member.pending.push(message);
        member.pendingBytes += bytes.byteLength;
        this.dropIfOverBound(stream, member);
      } else {
        streamInternals(stream).write(bytes);
        written++;
      }
    }
    counters.eventsDelivered += written;
    counters.bytesDelivered += written * bytes.byteLength;
  }

  private tellDelivered(monitor: ChannelMonitor, message: ChannelMessage): void {
    try {
      monitor.delivered(message);
    } catch (error) {
      this.report(error, undefined);
    }
  }

  /**
   * Messages this instance had not delivered were lost to it (a shared history trimmed them while
   * it was stalled): its live members get the gap event in band, with no id, so their last id stays
   * the last event they did get and the events that follow carry on from there. Members still
   * replaying read the history themselves and meet the gap there.
   */
  private signalLiveGap(gap: LiveGap): void {
    // A page read before the loss would hide it from the resumers that join from now on.
    this.reads?.clear();
    const bytes = encodeBroadcast(
      encodeEvent({
        event: this.gapEvent,
        data: JSON.stringify({ lastEventId: gap.lastEventId, reason: gap.reason }),
      }),
    );
    for (const [stream, member] of this.members) {
      if (member.pending) continue;
      this.counters.gapsSignalled++;
      streamInternals(stream).write(bytes);
    }
  }

  /**
   * Whether `message` goes to this member. A filter that throws closes its own member (the safer
   * choice: skipping would hide from its client that it missed an event) and is reported once.
   */
  private admits(stream: SSEStream<never>, member: Member, message: ChannelMessage): boolean {
    if (!member.filter) return true;
    try {
      return member.filter(message);
    } catch (error) {
      this.report(error, stream);
      stream.close();
      return false;
    }
  }

  /**
   * A replaying member holds its replay page and the broadcasts held back meanwhile on top of what
   * its transport buffers: all of it counts toward its bound, so a resumer that stops reading is
   * dropped as slow like any other client (and can resume later).
   */
  private dropIfOverBound(stream: SSEStream<never>, member: Member): void {
    const internals = streamInternals(stream);
    if (member.pendingBytes + member.pageBytes + stream.bufferedBytes > internals.maxBufferedBytes)
      internals.drop();
  }

  /**
   * Writes the replay page by page at the pace the client reads: the next page is read only once
   * the client has taken the previous one, so a resume from far back holds one page, not the whole
   * range. (A client dropped for being slow has missed more than `maxBufferedBytes`; writing that in
   * one go would drop it again on every reconnect.) Live broadcasts stay held in `member.pending`,
   * under the same bound, until all of it is written. Pages come through `reads`: resumers asking for
   * the same page together share one read of the store, and each is charged the whole page it holds
   * (`member.pageBytes`), as if it had read its own, so sharing never loosens a stream's bound.
   */
  private async replay(
    store: HistoryStore,
    reads: SharedReads,
    stream: SSEStream<never>,
    member: Member,
    lastEventId: string,
  ): Promise<void> {
    const pending = member.pending ?? [];
    // Everything delivered from here on is held in `pending`; a shared page must reach this far.
    const seen = this.lastDelivered;
    let covered = lastEventId;
    let limit = FIRST_REPLAY_PAGE;
    for (let first = true; ; first = false) {
      const result = await reads.page(covered, limit, seen);
      if (stream.closed) return;
      if (result.kind === 'gap') {
        this.counters.gapsSignalled++;
        if (first) this.counters.resumesWithGap++;
        // The client resumes from the gap event's id: nothing at or before it may follow.
        covered = result.resumeId;
        const data = JSON.stringify({ lastEventId, reason: result.reason });
        streamInternals(stream).write(
          encoder.encode(encodeEvent({ event: this.gapEvent, id: result.resumeId, data })),
        );
        break;
      }
      if (first) this.counters.replaysServed++;
      // What the store returned beyond about a quarter of the bound is let go at once and read
      // again with the next page: the limit is a count, and events may be large.
      const budget = streamInternals(stream).maxBufferedBytes / 4;
      const page: [StoredMessage, Uint8Array | undefined][] = [];
      let pageBytes = 0;
      for (const message of result.messages) {
        if (page.length > 0 && pageBytes >= budget) break;
        const bytes = this.bytesOf(message);
        page.push([message, bytes]);
        pageBytes += bytes?.byteLength ?? 0;
      }
      member.pageBytes = pageBytes;
      for (const [message, bytes] of page) {
        covered = message.id;
        if (!bytes) continue;
        member.pageBytes -= bytes.byteLength;
        if (!this.admits(stream, member, message)) {
          if (stream.closed) return;
          continue;
        }
        this.countDelivered(bytes, true);
        if (!(await streamInternals(stream).write(bytes))) return;
        this.dropIfOverBound(stream, member);
        if (stream.closed) return;
      }
      const more = result.more === true || page.length < result.messages.length;
      if (!more || page.length === 0) break;
      limit = pageLimit(streamInternals(stream).maxBufferedBytes, pageBytes, page.length);
    }
    // Broadcasts that arrived while the history was read follow it, minus those the replay held.
    for (let message = pending.shift(); message; message = pending.shift()) {
      const bytes = this.bytesOf(message);
      if (!bytes) continue;
      member.pendingBytes -= bytes.byteLength;
      if (message.id !== undefined && store.compare(message.id, covered) <= 0) continue;
      this.countDelivered(bytes, false);
      if (!(await streamInternals(stream).write(bytes))) return;
    }
    member.pending = undefined;
    member.pendingBytes = 0;
  }

  /** Counts one event written to one replaying member (`replayed`: from the history, not held back). */
  private countDelivered(bytes: Uint8Array, replayed: boolean): void {
    const counters = this.counters;
    counters.eventsDelivered++;
    counters.bytesDelivered += bytes.byteLength;
    if (replayed) counters.eventsReplayed++;
  }

  /** The message's event block, encoded once; `undefined` (reported once) if it cannot be encoded. */
  private bytesOf(message: ChannelMessage): Uint8Array | undefined {
    let bytes = this.encoded.get(message);
    if (bytes) return bytes;
    if (this.invalid.has(message)) return undefined;
    try {
      // Encoded once for every member, and never changed: transports may frame it once too.
      bytes = encodeBroadcast(encodeEvent({ id: message.id, event: message.event, data: message.data }));
    } catch (error) {
      this.invalid.add(message);
      this.report(error, undefined);
      return undefined;
    }
    // Only a history hands the same message object back for replays; caching otherwise is waste.
    if (this.store) this.encoded.set(message, bytes);
    return bytes;
  }

  private forget(stream: SSEStream<never>): void {
    if (this.members.delete(stream) && stream.closeReason === 'slow') this.counters.droppedSlow++;
    if (this.members.size === 0) this.lifetimeTimer.stop();
  }

  private expiryFor(): number {
    if (this.maxLifetime === Infinity) return Infinity;
    return Date.now() + this.maxLifetime * (1 - this.lifetimeJitter * Math.random());
  }
}

/** Sizes the next replay page so that it holds about a quarter of the stream's bound. */
function pageLimit(maxBufferedBytes: number, pageBytes: number, count: number): number {
  const average = Math.max(1, pageBytes / Math.max(1, count));
  return Math.max(1, Math.min(MAX_REPLAY_PAGE, Math.floor(maxBufferedBytes / 4 / average)));
}

/**
 * The bus a channel uses: the history itself when it delivers what it appends (a broadcast is then
 * published by appending it, so the bus has nothing left to publish), else the given bus or `localBus`.
 */
function busFor(store: HistoryStore | undefined, bus: ChannelBus | undefined): ChannelBus {
  if (!store || !isDeliveringHistory(store)) return bus ?? localBus();
  if (bus !== undefined && bus !== (store as unknown)) {
    throw invalidOption(
      'bus',
      bus,
      'left out when the history delivers what it appends (it is the bus already)',
      'type',
    );
  }
  return deliveringBus(store);
}

function deliveringBus(history: DeliveringHistory): ChannelBus {
  return {
    publish() {},
    subscribe: (deliver, onGap) => history.subscribe(deliver, onGap),
    close: () => history.close?.(),
  };
}

function checkMonitor(monitor: ChannelMonitor | undefined): ChannelMonitor | undefined {
  if (monitor === undefined) return undefined;
  const valid =
    typeof monitor === 'object' &&
    monitor !== null &&
    typeof monitor.attach === 'function' &&
    typeof monitor.delivered === 'function' &&
    typeof monitor.detach === 'function';
  if (!valid) throw invalidOption('monitor', monitor, 'an object with attach, delivered and detach', 'type');
  return monitor;
}

function defaultOnError(error: unknown): void {
  console.error('ssekit channel:', error);
}

function settleAsPromise<T, R>(value: T | Promise<T>, then: (value: T) => R | Promise<R>): Promise<R> {
  if (value instanceof Promise) return value.then(then);
  try {
    return Promise.resolve(then(value));
  } catch (error) {
    return Promise.reject(error);
  }
}

/**
 * Creates a channel: a set of streams that receive the same broadcasts, each encoded once. Type it
 * with a map of event names to data types so that sending the wrong data for an event fails to compile.
 *
 * @example
 * const chat = createChannel<{ message: string; joined: { name: string } }>({ history: 500 });
 * chat.add(stream);
 * chat.send({ name: 'ada' }, { event: 'joined' });
 */
export function createChannel<Events extends Record<string, unknown> = Record<string, unknown>>(
  options?: ChannelOptions,
): Channel<Events> {
  return new Channel<Events>(options);
}
