import type {
  ChannelBus,
  ChannelMessage,
  DeliveringHistory,
  ReplayResult,
  StoredMessage,
} from '@ssekit/core';
import { EngineChannel } from '@ssekit/core/internal';
import { Cluster } from 'ioredis';
import { type Connection, connect, disconnect, failure, reach, run } from './connection.js';
import { sentAtFields } from './entries.js';
import { RedisChannelError } from './errors.js';
import { Follower } from './follower.js';
import { type RedisChannelOptions, type ResolvedRedisOptions, resolveRedisOptions } from './options.js';
import { readReplay } from './replay.js';
import { compareStreamIds } from './stream-id.js';

/**
 * A channel's history in one Redis Stream, shared by every server instance, which also delivers
 * every event appended by any instance to this instance's channel: core's `DeliveringHistory`.
 * Pass it as the channel's `history` (`createChannel({ history: shared })`); `channel.close()`
 * closes it. It can also serve as a `bus` alone, for a channel without history.
 */
export interface RedisChannel extends DeliveringHistory, ChannelBus {
  /** The stream's key. */
  readonly key: string;
  /** As `DeliveringHistory.ready`; here it also waits for the writing connection to reach the stream's node. */
  ready(): Promise<void>;
  /** Closes both Redis connections and stops following; idempotent. */
  close(): Promise<void>;
}

/**
 * Creates the Redis-backed history of one channel, which is also its bus: one Redis Stream per channel.
 *
 * - `append` is `XADD key MAXLEN ~ maxLen * [event <name>] data <text>`; the entry id Redis
 *   assigns (`<ms>-<seq>`) is the event's SSE id.
 * - Every instance follows the stream with `XREAD BLOCK` on a connection of its own and hands new
 *   entries, in stream order, to its channel, which encodes each once for its local clients. So
 *   every instance, the sending one included, delivers every event in the one order Redis gave them.
 * - `after(id, { limit })` reads one page with `XRANGE key id + COUNT`: exactly the events after a
 *   client's Last-Event-ID, or a gap: `'expired'` when events after it were trimmed away,
 *   `'unknown'` for an id that is malformed, ahead of the newest entry, or never issued by this stream.
 *
 * If Redis goes away, sends reject with a `RedisChannelError` (nothing is queued to be published
 * later behind the caller's back), clients stay connected (heartbeats go on), and the follower
 * reconnects with backoff and resumes after the last entry it delivered, so every event whose send
 * resolved reaches every connected client, or they get the gap event if it was trimmed meanwhile.
 *
 * @throws SSEFieldError / SSERangeError, synchronously, for an empty key or an option out of range.
 *
 * @example
 * const shared = redisChannel({ redis: process.env.REDIS_URL, key: 'ssekit:chat' });
 * await shared.ready();
 * const chat = createChannel({ history: shared });
 */
export function redisChannel(options: RedisChannelOptions): RedisChannel {
  return new RedisStreamChannel(resolveRedisOptions(options));
}

/** The Redis side of a channel: the stream's commands and its two connections. */
class RedisStreamChannel extends EngineChannel implements RedisChannel {
  readonly key: string;
  private readonly options: ResolvedRedisOptions;
  private readonly writer: Connection;
  private readonly reader: Connection;
  protected readonly follower: Follower;

  constructor(options: ResolvedRedisOptions) {
    super(options.commandTimeout);
    const { redis, key, commandTimeout, blockTimeout, maxRetryDelay, report } = options;
    this.key = key;
    this.options = options;
    this.writer = connect(
      redis,
      {
        connectionName: `ssekit:${key}`,
        commandTimeout,
        // A command that timed out leaves its connection suspect: past this, it is torn down and made anew.
        socketTimeout: commandTimeout + 1_000,
      },
      maxRetryDelay,
      report,
    );
    this.reader = connect(
      redis,
      {
        connectionName: `ssekit:${key}:follower`,
        // No commandTimeout here: it would cut every blocking read short.
        socketTimeout: blockTimeout + commandTimeout,
      },
      maxRetryDelay,
      report,
    );
    this.follower = new Follower(this.reader, {
      key,
      blockTimeout,
      commandTimeout,
      maxRetryDelay,
      report,
      // After a failover the writer's Cluster still maps the slot to the old master until a
      // command of its own is redirected, and the connection that redirect opens refuses
      // commands until it is up. Learning the new layout now opens it before the next send.
      recovered: () => {
        if (this.writer instanceof Cluster) this.writer.refreshSlotsCache();
      },
    });
    // Started once both connections reach the stream's node and the follower knows where it starts.
    this.begin(
      Promise.all([this.follower.ready(), reach(this.writer, key, maxRetryDelay, () => this.isClosed)]),
    );
  }

  async append(message: ChannelMessage): Promise<StoredMessage> {
    const fields = message.event === undefined ? [] : ['event', message.event];
    const id = await this.add([...fields, 'data', message.data, ...sentAtFields(message.sentAt)]);
    return { id, event: message.event, data: message.data, sentAt: message.sentAt };
  }

  compare(a: string, b: string): number {
    return compareStreamIds(a, b);
  }

  /**
   * Used as a bus alone (a channel without history): the message goes through the stream as it
   * is, its own id (if any) included. A channel that has this as its history never calls it.
   */
  publish(message: ChannelMessage): Promise<void> {
    const fields = ['bus', '1'];
    if (message.id !== undefined) fields.push('id', message.id);
    if (message.event !== undefined) fields.push('event', message.event);
    return this.add([...fields, 'data', message.data, ...sentAtFields(message.sentAt)]).then(() => undefined);
  }

  protected readPage(lastEventId: string, limit: number): Promise<ReplayResult> {
    return readReplay(this.writer, this.key, lastEventId, limit);
  }

  protected closedError(): Error {
    return new RedisChannelError(
      'ERR_SSE_REDIS_CLOSED',
      this.key,
      `The Redis channel "${this.key}" is closed; create a new one to send or read.`,
    );
  }

  protected notStarted(reason: Error): Error {
    return failure(this.key, 'XADD', reason);
  }

  protected async closeConnections(): Promise<void> {
    await Promise.all([disconnect(this.reader), disconnect(this.writer)]);
  }

  /** XADD with the channel's trimming; resolves to the new entry's id. */
  private async add(fields: string[]): Promise<string> {
    this.assertOpen();
    await this.whenStarted();
    const { key, maxLen } = this.options;
    return run<string>(this.writer, key, ['XADD', key, 'MAXLEN', '~', String(maxLen), '*', ...fields]);
  }
}
