import {
  type ChannelBus,
  type ChannelMessage,
  type HistoryStore,
  type ReplayResult,
  SSEFieldError,
  SSERangeError,
  type StoredMessage,
} from '@ssekit/core';
import { Redis, type RedisOptions } from 'ioredis';
import { RedisChannelError } from './errors.js';
import { compareStreamIds, parseStreamId, STREAM_START } from './stream-id.js';

/** Options of `redisChannel`. Every duration is in milliseconds. */
export interface RedisChannelOptions {
  /**
   * Where Redis is: a URL (`redis://[user:password@]host:port[/db]`, `rediss://` for TLS) or
   * ioredis connection options. Two connections are opened from it: one that writes and reads
   * history, and one that does nothing but wait on the stream (a blocking read holds its
   * connection). The options that the guarantees below rest on are always set, whatever is given:
   * no offline queue, no command retried after a lost connection, RESP2.
   */
  redis: string | RedisOptions;
  /**
   * The Redis key of the channel's stream, e.g. `'ssekit:chat'`. One key holds the whole channel,
   * so in Redis Cluster it lives on one slot. Every instance that serves the channel uses the same key.
   */
  key: string;
  /**
   * Events kept for replay. Trimming is approximate (`XADD MAXLEN ~`): Redis keeps at least this
   * many, and drops old entries a whole node (100 entries by default) at a time. Default 10 000.
   */
  maxLen?: number;
  /**
   * How long a send (or a history read) waits for Redis to answer before it rejects with
   * `ERR_SSE_REDIS_UNAVAILABLE`. While Redis is unreachable, sends reject at once. Default 2 000.
   */
  commandTimeout?: number;
  /**
   * How long one blocking read waits on the server before it is issued again. The follower's
   * connection is declared dead, and re-established, when no answer comes within this plus
   * `commandTimeout`. Default 5 000.
   */
  blockTimeout?: number;
  /**
   * The longest pause between reconnection attempts; pauses start at 50 ms and double up to this.
   * Ignored for reconnection if `redis.retryStrategy` is given. Default 2 000.
   */
  maxRetryDelay?: number;
  /**
   * Told about every connection error and failed read, for logs and metrics. Nothing needs to be
   * done about them: sends reject on their own and the follower reconnects. Default: ignored.
   */
  onError?: (error: Error) => void;
}

/**
 * A channel's history and bus in one Redis Stream, shared by every server instance: pass it as
 * both `history` and `bus` of `createChannel`. `channel.close()` closes its connections.
 */
export interface RedisChannel extends HistoryStore, ChannelBus {
  /** The stream's key. */
  readonly key: string;
  /**
   * Resolves once the follower knows where in the stream it starts, i.e. from when on every event
   * sent by any instance reaches this instance's clients. Await it before serving clients so that
   * none connects during that first round trip; sends wait for it by themselves.
   */
  ready(): Promise<void>;
  /** Closes both Redis connections and stops following. Idempotent. */
  close(): Promise<void>;
}

const DEFAULT_MAX_LEN = 10_000;
const DEFAULT_COMMAND_TIMEOUT = 2_000;
const DEFAULT_BLOCK_TIMEOUT = 5_000;
const DEFAULT_MAX_RETRY_DELAY = 2_000;
/** Entries taken per read: bounds the memory one read holds while a follower catches up. */
const READ_BATCH = 1_000;
/** How long `close` waits for a socket to finish closing before it stops waiting. */
const CLOSE_GRACE = 1_000;

type Entry = readonly [id: string, fields: readonly string[]];

interface Waiter {
  readonly id: string;
  readonly done: () => void;
}

/**
 * Creates the Redis-backed history and bus of one channel: one Redis Stream per channel.
 *
 * - `append` is `XADD key MAXLEN ~ maxLen * [event <name>] data <text>`; the entry id Redis
 *   assigns (`<ms>-<seq>`) is the event's SSE id.
 * - Every instance follows the stream with `XREAD BLOCK` on a connection of its own and hands new
 *   entries, in stream order, to its channel, which encodes each once for its local clients. So
 *   every instance, the sending one included, delivers every event in the one order Redis gave them;
 *   `publish` has nothing left to do for an appended event.
 * - `after(id)` reads `XRANGE key id +`: exactly the events after a client's Last-Event-ID, or a
 *   gap: `'expired'` when events after it were trimmed away, `'unknown'` for an id that is malformed,
 *   ahead of the newest entry, or never issued by this stream.
 *
 * If Redis goes away, sends reject with a `RedisChannelError` (nothing is queued to be published
 * later behind the caller's back), clients stay connected (heartbeats go on), and the follower
 * reconnects with backoff and resumes after the last entry it delivered, so every event whose send
 * resolved reaches every connected client. If the entry it last delivered no longer exists once
 * Redis is back (Redis restarted without persistence, the key was deleted, or the stream was trimmed
 * past it), everything now in the stream is newer to it, so it reads the stream from the start;
 * waiting for ids greater than its last one would miss the events of a fresh stream, whose ids may
 * be smaller.
 *
 * @throws SSEFieldError / SSERangeError, synchronously, for an empty key or an option out of range.
 *
 * @example
 * const shared = redisChannel({ redis: process.env.REDIS_URL, key: 'ssekit:chat' });
 * await shared.ready();
 * const chat = createChannel({ history: shared, bus: shared });
 */
export function redisChannel(options: RedisChannelOptions): RedisChannel {
  return new RedisStreamChannel(options);
}

class RedisStreamChannel implements RedisChannel {
  readonly key: string;
  private readonly maxLen: number;
  private readonly commandTimeout: number;
  private readonly blockTimeout: number;
  private readonly maxRetryDelay: number;
  private readonly onError: ((error: Error) => void) | undefined;
  private readonly writer: Redis;
  private readonly reader: Redis;
  private readonly subscribers = new Set<(message: ChannelMessage) => void>();
  /** Messages `append` returned: the follower delivers these, so `publish` skips them. */
  private readonly appended = new WeakSet<ChannelMessage>();
  private readonly waiters = new Set<Waiter>();
  /** Id of the last entry the follower delivered (or started after); `undefined` before it started. */
  private position: string | undefined;
  private readonly started: Promise<void>;
  private markStarted!: () => void;
  private closed = false;
  private closing: Promise<void> | undefined;
  /** Ends the follower's pause between attempts early (on close). */
  private wake: (() => void) | undefined;
  private readonly following: Promise<void>;

  constructor(options: RedisChannelOptions) {
    const { key } = options;
    if (typeof key !== 'string' || key === '') {
      throw new SSEFieldError('ERR_SSE_INVALID_OPTION', 'key', key, 'key must be a non-empty string.');
    }
    this.key = key;
    this.maxLen = positiveInteger('maxLen', options.maxLen, DEFAULT_MAX_LEN);
    this.commandTimeout = positiveInteger('commandTimeout', options.commandTimeout, DEFAULT_COMMAND_TIMEOUT);
    this.blockTimeout = positiveInteger('blockTimeout', options.blockTimeout, DEFAULT_BLOCK_TIMEOUT);
    this.maxRetryDelay = positiveInteger('maxRetryDelay', options.maxRetryDelay, DEFAULT_MAX_RETRY_DELAY);
    this.onError = options.onError;
    const { redis } = options;
    if (typeof redis !== 'string' && (typeof redis !== 'object' || redis === null)) {
      throw new SSEFieldError(
        'ERR_SSE_INVALID_OPTION',
        'redis',
        redis,
        'redis must be a Redis URL (redis://host:port) or ioredis connection options.',
      );
    }

    this.started = new Promise((resolve) => {
      this.markStarted = resolve;
    });
    this.writer = this.connect(redis, {
      connectionName: `ssekit:${key}`,
      commandTimeout: this.commandTimeout,
      // A command that timed out leaves its connection suspect: past this, it is torn down and made anew.
      socketTimeout: this.commandTimeout + 1_000,
    });
    this.reader = this.connect(redis, {
      connectionName: `ssekit:${key}:follower`,
      // No commandTimeout here: it would cut every blocking read short.
      socketTimeout: this.blockTimeout + this.commandTimeout,
    });
    this.following = this.follow();
  }

  ready(): Promise<void> {
    return this.started;
  }

  async append(message: ChannelMessage): Promise<StoredMessage> {
    const fields = message.event === undefined ? [] : ['event', message.event];
    const id = await this.add([...fields, 'data', message.data]);
    const stored: StoredMessage = { id, event: message.event, data: message.data };
    this.appended.add(stored);
    return stored;
  }

  async after(lastEventId: string): Promise<ReplayResult> {
    this.assertOpen();
    if (parseStreamId(lastEventId) === undefined) {
      const [newest] = await this.run<Entry[]>(['XREVRANGE', this.key, '+', '-', 'COUNT', '1']);
      return { kind: 'gap', reason: 'unknown', resumeId: newest?.[0] ?? STREAM_START };
    }
    const { info, entries } = await this.snapshot(lastEventId);
    const newest = info.newest ?? STREAM_START;
    const gap = (reason: 'expired' | 'unknown'): ReplayResult => ({ kind: 'gap', reason, resumeId: newest });

    let result: ReplayResult;
    if (compareStreamIds(lastEventId, newest) > 0) {
      result = gap('unknown');
    } else if (info.oldest !== undefined && compareStreamIds(lastEventId, info.oldest) >= 0) {
      // Within what is kept: an id this stream issued is there; anything else it never issued.
      result =
        entries[0]?.[0] === lastEventId
          ? { kind: 'replay', messages: replayOf(entries.slice(1)) }
          : gap('unknown');
    } else if (info.removed === false) {
      // Before everything kept, and nothing was ever trimmed: only the start id precedes it all.
      result =
        lastEventId === STREAM_START ? { kind: 'replay', messages: replayOf(entries) } : gap('unknown');
    } else {
      // Before everything kept, and entries were trimmed: events after the id may be gone. (Even the
      // id of the entry trimmed last counts: Redis does not tell which id that was.)
      result = gap('expired');
    }
    const lastMessage = result.kind === 'replay' ? result.messages.at(-1) : undefined;
    await this.caughtUp(result.kind === 'gap' ? result.resumeId : (lastMessage?.id ?? lastEventId));
    return result;
  }

  compare(a: string, b: string): number {
    return compareStreamIds(a, b);
  }

  publish(message: ChannelMessage): void | Promise<void> {
    // An appended event is already in the stream: the followers deliver it, in the stream's order.
    if (this.appended.has(message)) return;
    // Used as a bus alone (a channel without history): the message goes through the stream as it
    // is, its own id (if any) included.
    const fields = ['bus', '1'];
    if (message.id !== undefined) fields.push('id', message.id);
    if (message.event !== undefined) fields.push('event', message.event);
    return this.add([...fields, 'data', message.data]).then(() => undefined);
  }

  subscribe(deliver: (message: ChannelMessage) => void): () => void {
    this.subscribers.add(deliver);
    return () => this.subscribers.delete(deliver);
  }

  close(): Promise<void> {
    this.closing ??= this.shutdown();
    return this.closing;
  }

  private async shutdown(): Promise<void> {
    this.closed = true;
    this.wake?.();
    for (const waiter of this.waiters) waiter.done();
    this.subscribers.clear();
    await Promise.all([disconnect(this.reader), disconnect(this.writer)]);
    await this.following;
  }

  private connect(redis: string | RedisOptions, own: RedisOptions): Redis {
    const given = typeof redis === 'string' ? {} : redis;
    const options: RedisOptions = {
      retryStrategy: (attempt) => backoff(attempt, this.maxRetryDelay),
      ...own,
      ...given,
      // What the guarantees rest on, whatever was given: a command is sent now or fails now, and a
      // command in flight when the connection drops fails instead of being sent again later (the
      // caller was told it failed; a silent resend would publish what the caller thinks was not).
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      autoResendUnfulfilledCommands: false,
      // The reply shapes read below are RESP2's (RESP3 turns XREAD's reply into a map).
      protocol: 2,
      lazyConnect: false,
    };
    const client = typeof redis === 'string' ? new Redis(redis, options) : new Redis(options);
    // Without a listener ioredis prints every connection error; they are reported through onError.
    client.on('error', (error: Error) => this.report(error));
    return client;
  }

  /** XADD with the channel's trimming; resolves to the new entry's id. */
  private async add(fields: string[]): Promise<string> {
    this.assertOpen();
    await this.whenStarted();
    return this.run<string>(['XADD', this.key, 'MAXLEN', '~', String(this.maxLen), '*', ...fields]);
  }

  /** Runs one command on the writing connection, turning failures into a `RedisChannelError`. */
  private async run<T>([command, ...args]: [string, ...string[]]): Promise<T> {
    try {
      return (await this.writer.call(command, ...args)) as T;
    } catch (error) {
      throw this.failure(command, error);
    }
  }

  /** The stream's bounds and the entries from `id` on, read atomically. */
  private async snapshot(id: string): Promise<{ info: StreamInfo; entries: Entry[] }> {
    let results: [Error | null, unknown][] | null;
    try {
      results = await this.writer
        .multi([
          ['xinfo', 'STREAM', this.key],
          ['xrange', this.key, id, '+'],
        ])
        .exec();
    } catch (error) {
      throw this.failure('MULTI', error);
    }
    const [info, range] = results ?? [];
    if (!info || !range) throw this.failure('EXEC', new Error('the transaction was aborted'));
    if (range[0]) throw this.failure('XRANGE', range[0]);
    if (info[0]) {
      // A stream that does not exist is an empty one.
      if (/no such key/i.test(info[0].message)) return { info: { removed: false }, entries: [] };
      throw this.failure('XINFO', info[0]);
    }
    return { info: streamInfo(info[1]), entries: range[1] as Entry[] };
  }

  private failure(command: string, error: unknown): RedisChannelError {
    const reason = error instanceof Error ? error.message : String(error);
    const action = command === 'XADD' ? 'The event was not published' : 'Nothing was read';
    return new RedisChannelError(
      'ERR_SSE_REDIS_UNAVAILABLE',
      this.key,
      `Redis did not complete ${command} on "${this.key}": ${reason}. ${action}.`,
      { cause: error },
    );
  }

  private assertOpen(): void {
    if (this.closed) {
      throw new RedisChannelError(
        'ERR_SSE_REDIS_CLOSED',
        this.key,
        `The Redis channel "${this.key}" is closed; create a new one to send or read.`,
      );
    }
  }

  /**
   * Waits (at most `commandTimeout`) for the follower to know its start position. An event added
   * before that could land before the position it starts from, and never reach this instance's clients.
   */
  private whenStarted(): Promise<void> {
    if (this.position !== undefined) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () =>
          reject(
            this.failure('XADD', new Error(`not connected within ${this.commandTimeout} ms of starting`)),
          ),
        this.commandTimeout,
      );
      this.started.then(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  /**
   * Resolves once the follower has delivered `id` (at most `commandTimeout` later). A replay read
   * from the stream can be ahead of this instance's follower; the channel holds live events back
   * while it replays, so waiting here puts every event the replay holds into that held-back set,
   * where the channel drops the duplicates. Bounded, so that a follower cut off from Redis does not
   * hold a client's replay forever: at worst an event then arrives twice.
   */
  private caughtUp(id: string): Promise<void> {
    if (this.closed || (this.position !== undefined && compareStreamIds(this.position, id) >= 0)) {
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.waiters.delete(waiter);
        resolve();
      };
      const waiter: Waiter = { id, done };
      const timer = setTimeout(done, this.commandTimeout);
      this.waiters.add(waiter);
    });
  }

  /** The follower: reads the stream from `position` on, until closed, reconnecting after failures. */
  private async follow(): Promise<void> {
    let failures = 0;
    let synced = false;
    while (!this.closed) {
      try {
        if (!synced) {
          // Without an offline queue a command sent before the connection is up fails at once:
          // wait for it (or the retry delay) instead of reporting a spurious error at every start.
          if (this.reader.status !== 'ready') await this.pause(this.maxRetryDelay);
          if (this.closed) return;
          this.position = await this.resumePosition();
          synced = true;
          this.markStarted();
          this.releaseWaiters();
        }
        const reply = await this.reader.call(
          'XREAD',
          'COUNT',
          String(READ_BATCH),
          'BLOCK',
          String(this.blockTimeout),
          'STREAMS',
          this.key,
          this.position as string,
        );
        failures = 0;
        // The reply is [[key, entries]], or null when the block timed out with nothing new.
        const entries = (reply as [string, Entry[]][] | null)?.[0]?.[1];
        if (entries) this.deliver(entries);
      } catch (error) {
        if (this.closed) return;
        synced = false;
        this.report(error);
        await this.pause(backoff(++failures, this.maxRetryDelay));
      }
    }
  }

  /**
   * Where to read from after (re)connecting. At first: after the newest entry, since older entries
   * are history, served by `after`. After a failure: after the last entry delivered, if the stream
   * still holds it; if not, the stream was recreated (Redis restarted without persistence, the key
   * deleted) or trimmed past it, and everything now in it is newer to this follower: from the start.
   */
  private async resumePosition(): Promise<string> {
    const last = this.position;
    if (last === undefined) {
      const newest = (await this.reader.call('XREVRANGE', this.key, '+', '-', 'COUNT', '1')) as Entry[];
      return newest[0]?.[0] ?? STREAM_START;
    }
    const kept = (await this.reader.call('XRANGE', this.key, last, last)) as Entry[];
    return kept.length > 0 ? last : STREAM_START;
  }

  private deliver(entries: readonly Entry[]): void {
    for (const entry of entries) {
      const message = toMessage(entry);
      this.position = entry[0];
      for (const deliver of this.subscribers) {
        try {
          deliver(message);
        } catch (error) {
          // One subscriber's failure must not stop the stream for the others.
          this.report(error);
        }
      }
    }
    this.releaseWaiters();
  }

  private releaseWaiters(): void {
    const position = this.position;
    if (position === undefined) return;
    for (const waiter of this.waiters) if (compareStreamIds(position, waiter.id) >= 0) waiter.done();
  }

  /** Waits `ms`, or less if the follower's connection comes back or the channel closes. */
  private pause(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.reader.off('ready', done);
        this.wake = undefined;
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.reader.once('ready', done);
      this.wake = done;
    });
  }

  private report(error: unknown): void {
    if (!this.onError) return;
    try {
      this.onError(error instanceof Error ? error : new Error(String(error)));
    } catch {
      // A failing error hook must not break the follower.
    }
  }
}

interface StreamInfo {
  oldest?: string;
  newest?: string;
  /** Whether entries were ever trimmed away; `undefined` where Redis does not tell (before 7.0). */
  removed?: boolean;
}

/** Reads XINFO STREAM's flat `[name, value, ...]` reply. */
function streamInfo(reply: unknown): StreamInfo {
  const info: StreamInfo = {};
  if (!Array.isArray(reply)) return info;
  let length: number | undefined;
  let added: number | undefined;
  for (let i = 0; i + 1 < reply.length; i += 2) {
    const value = reply[i + 1];
    switch (reply[i]) {
      case 'length':
        length = Number(value);
        break;
      case 'entries-added':
        added = Number(value);
        break;
      case 'first-entry':
        if (Array.isArray(value)) info.oldest = String(value[0]);
        break;
      case 'last-entry':
        if (Array.isArray(value)) info.newest = String(value[0]);
        break;
    }
  }
  if (length !== undefined && added !== undefined) info.removed = added > length;
  return info;
}

/** Entries as replayed events. Messages sent through the bus alone, without an id, have no place in a replay. */
function replayOf(entries: readonly Entry[]): StoredMessage[] {
  return entries.map(toMessage).filter((message): message is StoredMessage => message.id !== undefined);
}

/** An entry as a channel message: appended entries carry their stream id as the event id. */
function toMessage([entryId, fields]: Entry): ChannelMessage {
  let event: string | undefined;
  let data = '';
  let viaBus = false;
  let id: string | undefined;
  for (let i = 0; i + 1 < fields.length; i += 2) {
    const value = fields[i + 1] as string;
    switch (fields[i]) {
      case 'event':
        event = value;
        break;
      case 'data':
        data = value;
        break;
      case 'bus':
        viaBus = true;
        break;
      case 'id':
        id = value;
        break;
    }
  }
  return viaBus ? { id, event, data } : { id: entryId, event, data };
}

/** 50 ms doubling up to `max`, plus up to 50 ms of jitter so instances do not retry in step. */
function backoff(attempt: number, max: number): number {
  return Math.min(50 * 2 ** Math.min(attempt - 1, 16), max) + Math.floor(Math.random() * 50);
}

function positiveInteger(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!(Number.isSafeInteger(value) && value > 0)) {
    throw new SSERangeError(
      'ERR_SSE_INVALID_OPTION',
      name,
      value,
      `${name} must be a whole number > 0, got ${String(value)}.`,
    );
  }
  return value;
}

/** Closes a connection and resolves once its socket is gone (or after a short grace). */
function disconnect(client: Redis): Promise<void> {
  // Between attempts there is no socket; disconnect() only cancels the next attempt.
  if (client.status === 'end' || client.status === 'reconnecting') {
    client.disconnect();
    return Promise.resolve();
  }
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      client.off('end', done);
      resolve();
    };
    const timer = setTimeout(done, CLOSE_GRACE);
    client.once('end', done);
    client.disconnect();
  });
}
