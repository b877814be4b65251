import { checkNumberOption } from './check-option.js';

/** A broadcast as a channel hands it to its history and bus: the data already serialized to text. */
export interface ChannelMessage {
  /** The event id; a history store assigns it, without one the caller's id (if any) is used. */
  id?: string | undefined;
  /** The event type; absent means `message`. */
  event?: string | undefined;
  /** The serialized data, exactly as clients will receive it. */
  data: string;
  /**
   * When `channel.send` was called, in milliseconds since the epoch (`Date.now()` of the sending
   * instance). A shared bus carries it so that every instance can tell how long delivery took (the
   * bus-lag metric); absent on messages from a producer or store that does not carry it.
   */
  sentAt?: number | undefined;
}

/** A message with the id its history store gave it. */
export interface StoredMessage extends ChannelMessage {
  id: string;
}

/** Why a reconnecting client cannot be given exactly the events it missed. */
export type GapReason =
  /** The id was issued before this history began (a server restart, another epoch). */
  | 'epoch'
  /** The id was issued by this history, but the events after it have been trimmed away. */
  | 'expired'
  /** The id is not one this history issued (malformed, or ahead of the newest event). */
  | 'unknown';

/** What a history store answers for a client's Last-Event-ID: one page of the replay, or a gap. */
export type ReplayResult =
  | {
      readonly kind: 'replay';
      /** Kept messages after the id, oldest first: at most `limit` of them when a limit was asked. */
      readonly messages: readonly StoredMessage[];
      /**
       * Whether more messages may follow the last one: the channel then asks again, after that id,
       * once the client has taken this page. Absent or false: this page reaches the newest event.
       */
      readonly more?: boolean;
    }
  | {
      readonly kind: 'gap';
      readonly reason: GapReason;
      /** The id to give the client with the gap event, so that it resumes from the newest event. */
      readonly resumeId: string;
    };

/** Options of `HistoryStore.after`. */
export interface ReplayPageOptions {
  /**
   * Most messages to return. A channel reads a replay page by page as the client takes it, so a
   * client resuming from far back never makes the server hold the whole range at once.
   */
  limit?: number;
}

/**
 * Where a channel keeps recent events for replay, and which assigns their ids. The in-memory ring
 * (`memoryHistory`) is the default; a store shared by several server instances implements the same
 * three methods, and may answer asynchronously. A shared store that also delivers what it appends
 * to every instance implements `DeliveringHistory` instead.
 */
export interface HistoryStore {
  /** Assigns the next id to `message`, keeps it, and returns it with that id. */
  append(message: ChannelMessage): StoredMessage | Promise<StoredMessage>;
  /**
   * The kept messages after `lastEventId`, oldest first (at most `options.limit`, with `more` set
   * when others follow), or the reason that cannot be answered exactly. A store that ignores the
   * limit and returns everything still works, it just holds the whole range in memory.
   */
  after(lastEventId: string, options?: ReplayPageOptions): ReplayResult | Promise<ReplayResult>;
  /** Orders two ids this store issued: negative if `a` came first, 0 if equal, positive if later. */
  compare(a: string, b: string): number;
}

/** Told to a channel when messages it had not delivered yet left the history before it could read them. */
export interface LiveGap {
  /** The id of the last message this instance delivered before the loss. */
  readonly lastEventId: string;
  readonly reason: 'expired';
}

/**
 * A history that also delivers every message appended to it, by any server instance, to the
 * subscribed channel of every instance, in one order: one object that plugs a shared engine
 * (Redis, say) into a channel as `createChannel({ history })`, with no separate bus.
 */
export interface DeliveringHistory extends HistoryStore {
  /**
   * Resolves once this instance delivers every message appended from then on by any instance (a
   * shared engine first has to learn where in its log it starts following). Await it before
   * serving clients, so that none connects during that first round trip; appends wait for it by
   * themselves. A history that delivers from its creation on needs none; the engines' (`@ssekit/redis`,
   * `@ssekit/nats`) always have it.
   */
  ready?(): Promise<void>;
  /**
   * Calls `deliver` for every appended message, in order, and `onGap` when messages this instance
   * had not delivered yet were lost to it (trimmed while it was stalled: paused, or cut off from
   * the engine). Returns a function that unsubscribes.
   */
  subscribe(deliver: (message: ChannelMessage) => void, onGap?: (gap: LiveGap) => void): () => void;
  /** Closes its connections and stops following; idempotent. Called once by `channel.close()`. */
  close?(): void | Promise<void>;
}

/** Whether a history delivers what it appends itself (a `DeliveringHistory`). */
export function isDeliveringHistory(history: HistoryStore): history is DeliveringHistory {
  return typeof (history as Partial<DeliveringHistory>).subscribe === 'function';
}

/** Bounds of the in-memory history. At least `size` is required; an event leaves when any bound is passed. */
export interface MemoryHistoryOptions {
  /** How many events are kept, newest last. */
  size: number;
  /** Most bytes of event data and names kept (UTF-8). Default: no bound. */
  maxBytes?: number;
  /** Milliseconds an event is kept. Default: no bound. */
  maxAge?: number;
  /**
   * The epoch part of every id (`<epoch>-<sequence>`). Default: made fresh for each history, so an
   * id from before a server restart is recognised as such.
   */
  epoch?: string;
}

interface Entry {
  readonly message: StoredMessage;
  readonly bytes: number;
  readonly time: number;
}

/** UTF-8 length of a string without encoding it. */
export function utf8Length(text: string): number {
  let bytes = text.length;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code >= 0x80) bytes += code >= 0x800 && (code < 0xd800 || code > 0xdfff) ? 2 : 1;
  }
  return bytes;
}

/**
 * The default history: a bounded ring in this process. Ids are `<epoch>-<sequence>`, the sequence
 * counting up from 1, so ids are monotonic and an id from another epoch is recognised.
 */
export function memoryHistory(options: MemoryHistoryOptions): HistoryStore {
  const size = checkNumberOption('history.size', options.size, {
    integer: true,
    above: 0,
    requirement: 'a whole number of events > 0',
  });
  const maxBytes = checkNumberOption('history.maxBytes', options.maxBytes, {
    fallback: Infinity,
    above: 0,
    requirement: 'a number of bytes > 0 (or Infinity for no bound)',
  });
  const maxAge = checkNumberOption('history.maxAge', options.maxAge, {
    fallback: Infinity,
    above: 0,
    requirement: 'a number of milliseconds > 0 (or Infinity for no bound)',
  });
  const epoch = options.epoch ?? `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;
  const prefix = `${epoch}-`;
  let entries: Entry[] = [];
  let start = 0; // entries before `start` have been trimmed and await compaction
  let lastSeq = 0;
  let bytes = 0;

  const firstSeq = () => lastSeq - (entries.length - start) + 1;
  const sequenceOf = (id: string) => {
    if (!id.startsWith(prefix)) return undefined;
    const digits = id.slice(prefix.length);
    return /^[0-9]+$/.test(digits) ? Number(digits) : undefined;
  };

  function trim(now: number) {
    while (
      start < entries.length &&
      (entries.length - start > size || bytes > maxBytes || now - (entries[start] as Entry).time > maxAge)
    ) {
      bytes -= (entries[start] as Entry).bytes;
      start++;
    }
    // Compact once half the array is dead, so trimming stays amortised O(1).
    if (start > 64 && start * 2 > entries.length) {
      entries = entries.slice(start);
      start = 0;
    }
  }

  return {
    append(message) {
      const stored: StoredMessage = {
        id: `${prefix}${++lastSeq}`,
        event: message.event,
        data: message.data,
        sentAt: message.sentAt,
      };
      const entry = {
        message: stored,
        bytes: utf8Length(stored.data) + utf8Length(stored.event ?? ''),
        time: Date.now(),
      };
      entries.push(entry);
      bytes += entry.bytes;
      trim(entry.time);
      return stored;
    },
    after(lastEventId, { limit = Infinity } = {}) {
      trim(Date.now());
      const resumeId = `${prefix}${lastSeq}`;
      const seq = sequenceOf(lastEventId);
      if (seq === undefined) {
        return { kind: 'gap', reason: lastEventId.includes('-') ? 'epoch' : 'unknown', resumeId };
      }
      if (seq > lastSeq) return { kind: 'gap', reason: 'unknown', resumeId };
      if (seq < firstSeq() - 1) return { kind: 'gap', reason: 'expired', resumeId };
      const from = start + (seq - firstSeq() + 1);
      const to = Math.min(entries.length, from + limit);
      const messages = entries.slice(from, to).map((entry) => entry.message);
      return to < entries.length ? { kind: 'replay', messages, more: true } : { kind: 'replay', messages };
    },
    compare(a, b) {
      return (sequenceOf(a) ?? 0) - (sequenceOf(b) ?? 0);
    },
  };
}
