/** A broadcast as a channel hands it to its history and bus: the data already serialized to text. */
export interface ChannelMessage {
  /** The event id; a history store assigns it, without one the caller's id (if any) is used. */
  id?: string | undefined;
  /** The event type; absent means `message`. */
  event?: string | undefined;
  /** The serialized data, exactly as clients will receive it. */
  data: string;
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

/** What a history store answers for a client's Last-Event-ID. */
export type ReplayResult =
  | { readonly kind: 'replay'; readonly messages: readonly StoredMessage[] }
  | {
      readonly kind: 'gap';
      readonly reason: GapReason;
      /** The id to give the client with the gap event, so that it resumes from the newest event. */
      readonly resumeId: string;
    };

/**
 * Where a channel keeps recent events for replay, and which assigns their ids. The in-memory ring
 * (`memoryHistory`) is the default; a store shared by several server instances (Redis, say)
 * implements the same three methods, and may answer asynchronously.
 */
export interface HistoryStore {
  /** Assigns the next id to `message`, keeps it, and returns it with that id. */
  append(message: ChannelMessage): StoredMessage | Promise<StoredMessage>;
  /** Every kept message after `lastEventId`, oldest first, or the reason that cannot be answered exactly. */
  after(lastEventId: string): ReplayResult | Promise<ReplayResult>;
  /** Orders two ids this store issued: negative if `a` came first, 0 if equal, positive if later. */
  compare(a: string, b: string): number;
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
function utf8Length(text: string): number {
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
  const { size, maxBytes = Infinity, maxAge = Infinity } = options;
  if (!(Number.isSafeInteger(size) && size > 0)) {
    throw new RangeError(`history size must be a whole number of events > 0, got ${String(size)}.`);
  }
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
      const stored: StoredMessage = { id: `${prefix}${++lastSeq}`, event: message.event, data: message.data };
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
    after(lastEventId) {
      trim(Date.now());
      const resumeId = `${prefix}${lastSeq}`;
      const seq = sequenceOf(lastEventId);
      if (seq === undefined) {
        return { kind: 'gap', reason: lastEventId.includes('-') ? 'epoch' : 'unknown', resumeId };
      }
      if (seq > lastSeq) return { kind: 'gap', reason: 'unknown', resumeId };
      if (seq < firstSeq() - 1) return { kind: 'gap', reason: 'expired', resumeId };
      const from = start + (seq - firstSeq() + 1);
      return { kind: 'replay', messages: entries.slice(from).map((entry) => entry.message) };
    },
    compare(a, b) {
      return (sequenceOf(a) ?? 0) - (sequenceOf(b) ?? 0);
    },
  };
}
