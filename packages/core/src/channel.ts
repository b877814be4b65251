import { type ChannelBus, localBus } from './bus.js';
import { createDrain, type Drain, type DrainOptions } from './drain.js';
import { checkEventName, checkId, dataToText, encodeEvent, jsonSerializer } from './encode.js';
import { SSEFieldError, SSERangeError } from './errors.js';
import {
  type ChannelMessage,
  type HistoryStore,
  type MemoryHistoryOptions,
  memoryHistory,
  type ReplayResult,
} from './history.js';
import type { SSEStream } from './stream.js';
import type { SendArgs, Serializer } from './types.js';

const encoder = new TextEncoder();

/** Default name of the in-band event a reconnecting client gets when its missed events cannot be replayed. */
export const DEFAULT_GAP_EVENT = 'ssekit-gap';

/** Options of `createChannel`. */
export interface ChannelOptions {
  /**
   * Keep recent events so a reconnecting client gets exactly what it missed. A number keeps that
   * many events in memory; `MemoryHistoryOptions` also bounds bytes and age; a `HistoryStore`
   * plugs in a shared store. With a history, the channel assigns every event's id. Default: none.
   */
  history?: number | MemoryHistoryOptions | HistoryStore;
  /** How broadcasts reach every server instance. Default: `localBus()`, this process only. */
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
}

/** Options of `channel.add`. */
export interface AddOptions {
  /** Decides per broadcast whether this stream receives it; the bytes are not re-encoded. Default: every event. */
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
  /** Member streams closed because their client fell more than `maxBufferedBytes` behind. */
  droppedSlow: number;
  /** Reconnecting streams given the events they missed. */
  replaysServed: number;
  /** Reconnecting streams sent the gap event instead. */
  gapsSignalled: number;
}

interface Member {
  readonly filter: AddOptions['filter'];
  readonly removeCloseListener: () => void;
  /** Broadcasts held back while the stream's replay is read; `undefined` once it is live. */
  pending: ChannelMessage[] | undefined;
  pendingBytes: number;
  /** When the stream's `maxLifetime` runs out (ms since epoch); `Infinity` without one. */
  expiresAt: number;
}

/**
 * A set of streams that receive the same events: each broadcast is serialized and encoded once, and
 * the same bytes are written to every member. With a history, a stream that joins with a
 * Last-Event-ID first receives exactly the events it missed, then the live ones, with neither gap
 * nor duplicate. Create one with `createChannel`.
 */
export class Channel<Events extends Record<string, unknown> = Record<string, unknown>> {
  private readonly members = new Map<SSEStream<never>, Member>();
  private readonly store: HistoryStore | undefined;
  private readonly bus: ChannelBus;
  private readonly serialize: Serializer;
  private readonly gapEvent: string;
  private readonly maxLifetime: number;
  private readonly lifetimeJitter: number;
  private readonly unsubscribe: () => void;
  private readonly encoded = new WeakMap<ChannelMessage, Uint8Array>();
  private lifetimeTimer: ReturnType<typeof setInterval> | undefined;
  /** Set by `close`: the drain that ends members, and streams added later. */
  private drained: { drain: Drain; done: Promise<void> } | undefined;
  private readonly counters = { eventsSent: 0, droppedSlow: 0, replaysServed: 0, gapsSignalled: 0 };

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
    this.bus = options.bus ?? localBus();
    this.serialize = options.serializer ?? jsonSerializer;
    this.gapEvent = options.gapEvent ?? DEFAULT_GAP_EVENT;
    checkEventName(this.gapEvent);
    this.maxLifetime = options.maxLifetime ?? Infinity;
    this.lifetimeJitter = options.lifetimeJitter ?? 0.2;
    if (!(this.maxLifetime > 0) || !(this.lifetimeJitter >= 0 && this.lifetimeJitter <= 1)) {
      throw new SSERangeError(
        'ERR_SSE_INVALID_OPTION',
        'maxLifetime',
        options.maxLifetime,
        'maxLifetime must be a positive number of milliseconds and lifetimeJitter a fraction from 0 to 1.',
      );
    }
    this.unsubscribe = this.bus.subscribe((message) => this.deliver(message));
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
    const member: Member = {
      filter: options.filter,
      removeCloseListener: stream.onClose(() => this.forget(stream)),
      pending: undefined,
      pendingBytes: 0,
      expiresAt: this.expiryFor(),
    };
    this.members.set(stream, member);
    if (member.expiresAt !== Infinity) this.startLifetimeTimer();
    if (this.store && stream.lastEventId !== undefined) {
      member.pending = [];
      const lastEventId = stream.lastEventId;
      settle(
        this.store.after(lastEventId),
        (result) => void this.replay(stream, member, lastEventId, result),
        // A shared store that cannot answer (Redis unreachable) must not leave the stream holding its
        // live events back forever: closing it makes the client reconnect and ask again.
        () => stream.close(),
      );
    }
  }

  /** Removes a stream without closing it. Returns whether it was a member. */
  delete(stream: SSEStream<never>): boolean {
    const member = this.members.get(stream);
    if (!member) return false;
    member.removeCloseListener();
    this.members.delete(stream);
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
    const message: ChannelMessage = { event, id, data: dataToText(data, this.serialize) };
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
    this.stopLifetimeTimer();
    await drain.run(this.members.keys());
    await this.bus.close?.();
  }

  private deliver(message: ChannelMessage): void {
    const bytes = this.bytesOf(message);
    this.counters.eventsSent++;
    for (const [stream, member] of this.members) {
      if (member.filter && !member.filter(message)) continue;
      if (member.pending) {
        member.pending.push(message);
        member.pendingBytes += bytes.byteLength;
        if (member.pendingBytes > stream.maxBufferedBytes) stream.drop();
      } else {
        stream.writeEncoded(bytes);
      }
    }
  }

  /**
   * Writes the replay, then what arrived meanwhile, at the pace the client reads: a client dropped
   * for being slow has missed more than `maxBufferedBytes`, and writing that in one go would drop it
   * again on every reconnect. Live broadcasts stay held in `member.pending` (under the same bound)
   * until all of it is written.
   */
  private async replay(
    stream: SSEStream<never>,
    member: Member,
    lastEventId: string,
    result: ReplayResult,
  ): Promise<void> {
    const pending = member.pending ?? [];
    if (stream.closed) return;
    let covered: string | undefined = lastEventId;
    if (result.kind === 'gap') {
      this.counters.gapsSignalled++;
      // The client resumes from the gap event's id: nothing at or before it may follow.
      covered = result.resumeId;
      stream.writeEncoded(
        encoder.encode(
          encodeEvent({
            event: this.gapEvent,
            id: result.resumeId,
            data: JSON.stringify({ lastEventId, reason: result.reason }),
          }),
        ),
      );
    } else {
      this.counters.replaysServed++;
      for (const message of result.messages) {
        covered = message.id;
        if (member.filter && !member.filter(message)) continue;
        if (!(await stream.writeEncoded(this.bytesOf(message)))) return;
      }
    }
    // Broadcasts that arrived while the history was read follow it, minus those the replay held.
    const store = this.store as HistoryStore;
    for (let message = pending.shift(); message; message = pending.shift()) {
      const bytes = this.bytesOf(message);
      member.pendingBytes -= bytes.byteLength;
      if (covered !== undefined && message.id !== undefined && store.compare(message.id, covered) <= 0)
        continue;
      if (!(await stream.writeEncoded(bytes))) return;
    }
    member.pending = undefined;
    member.pendingBytes = 0;
  }

  private bytesOf(message: ChannelMessage): Uint8Array {
    let bytes = this.encoded.get(message);
    if (!bytes) {
      bytes = encoder.encode(encodeEvent({ id: message.id, event: message.event, data: message.data }));
      // Only a history hands the same message object back for replays; caching otherwise is waste.
      if (this.store) this.encoded.set(message, bytes);
    }
    return bytes;
  }

  private forget(stream: SSEStream<never>): void {
    if (this.members.delete(stream) && stream.closeReason === 'slow') this.counters.droppedSlow++;
    if (this.members.size === 0) this.stopLifetimeTimer();
  }

  private expiryFor(): number {
    if (this.maxLifetime === Infinity) return Infinity;
    return Date.now() + this.maxLifetime * (1 - this.lifetimeJitter * Math.random());
  }

  private startLifetimeTimer(): void {
    if (this.lifetimeTimer !== undefined) return;
    // One timer per channel, not per stream: it checks every member a few dozen times a lifetime.
    const period = Math.max(100, Math.min(1000, this.maxLifetime / 20));
    this.lifetimeTimer = setInterval(() => {
      const now = Date.now();
      for (const [stream, member] of this.members) if (member.expiresAt <= now) stream.close();
    }, period);
    (this.lifetimeTimer as { unref?: () => void }).unref?.();
  }

  private stopLifetimeTimer(): void {
    if (this.lifetimeTimer === undefined) return;
    clearInterval(this.lifetimeTimer);
    this.lifetimeTimer = undefined;
  }
}

/**
 * Runs `then` on a value now, or once it resolves if it is a promise: the in-memory path stays
 * synchronous. A rejection goes to `onError` instead of becoming an unhandled rejection.
 */
function settle<T>(value: T | Promise<T>, then: (value: T) => void, onError: (error: unknown) => void): void {
  if (value instanceof Promise) value.then(then, onError);
  else then(value);
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
