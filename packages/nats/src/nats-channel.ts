import { headers as natsHeaders } from '@nats-io/transport-node';
import type { ChannelMessage, DeliveringHistory, ReplayResult, StoredMessage } from '@ssekit/core';
import { EngineChannel } from '@ssekit/core/internal';
import { Connection } from './connection.js';
import { NatsChannelError, unavailable } from './errors.js';
import { compareEventIds, formatEventId } from './event-id.js';
import { Follower } from './follower.js';
import { EVENT_HEADER } from './messages.js';
import { type NatsChannelOptions, type ResolvedNatsOptions, resolveNatsOptions } from './options.js';
import { readReplay } from './replay.js';
import { streamState } from './stream.js';

/**
 * A channel's history in one NATS JetStream stream, shared by every server instance, which also
 * delivers every event appended by any instance to this instance's channel: core's
 * `DeliveringHistory`. Pass it as the channel's `history` (`createChannel({ history: shared })`);
 * `channel.close()` closes it.
 */
export interface NatsChannel extends DeliveringHistory {
  /** The JetStream stream's name. */
  readonly stream: string;
  /** As `DeliveringHistory.ready`: resolves once the follower knows where in the stream it starts. */
  ready(): Promise<void>;
  /** Closes the NATS connection and stops following; idempotent. */
  close(): Promise<void>;
}

/**
 * Creates the NATS JetStream-backed history of one channel, which is also its bus: one stream per channel.
 *
 * - `append` publishes the data on the stream's subject (the event type in an `Ssekit-Event`
 *   header) and waits for JetStream's acknowledgement; the id is `<epoch>-<sequence>`: the
 *   message's stream sequence, and the stream's creation time, so an id from a stream since deleted
 *   and created again is told apart.
 * - Every instance follows the stream with an ordered consumer and hands new messages, in sequence
 *   order, to its channel, which encodes each once for its local clients. So every instance, the
 *   sending one included, delivers every event in the one order JetStream gave them.
 * - `after(id, { limit })` reads one page by sequence: exactly the events after a client's
 *   Last-Event-ID, or a gap: `'expired'` when events after it were trimmed away, `'epoch'` for an
 *   id of an earlier stream, `'unknown'` for one that is malformed or ahead of the newest.
 *
 * If NATS goes away, sends reject with a `NatsChannelError` (nothing is queued to be published
 * later behind the caller's back), clients stay connected (heartbeats go on), and the follower
 * resumes after the last message it delivered once NATS is back, so every event whose send
 * resolved reaches every connected client, or they get the gap event if it was trimmed meanwhile.
 *
 * @throws SSEFieldError / SSERangeError, synchronously, for a bad stream name or an option out of range.
 *
 * @example
 * const shared = natsChannel({ nats: process.env.NATS_URL, stream: 'ssekit-chat' });
 * await shared.ready();
 * const chat = createChannel({ history: shared });
 */
export function natsChannel(options: NatsChannelOptions): NatsChannel {
  return new JetStreamChannel(resolveNatsOptions(options));
}

/** The NATS side of a channel: publishing, reading pages by sequence, and the connection. */
class JetStreamChannel extends EngineChannel implements NatsChannel {
  readonly stream: string;
  private readonly options: ResolvedNatsOptions;
  private readonly connection: Connection;
  protected readonly follower: Follower;
  /** Whether the last publish failed, so the stream's epoch is read again before the next. */
  private recheckEpoch = false;

  constructor(options: ResolvedNatsOptions) {
    super(options.commandTimeout);
    this.stream = options.stream;
    this.options = options;
    this.connection = new Connection(options);
    this.follower = new Follower(this.connection, options);
    // The follower also learns the stream's epoch, which every id this channel issues carries.
    this.begin(this.follower.ready());
  }

  async append(message: ChannelMessage): Promise<StoredMessage> {
    this.assertOpen();
    await this.whenStarted();
    const { stream, subject, commandTimeout } = this.options;
    const link = this.connection.current();
    if (!link) throw unavailable(stream, 'publish', new Error('not connected'));
    let headers: ReturnType<typeof natsHeaders> | undefined;
    if (message.event !== undefined) {
      headers = natsHeaders();
      headers.set(EVENT_HEADER, message.event);
    }
    let seq: number;
    let epoch = this.follower.epoch as string;
    try {
      // After a failed publish (the stream deleted, say) the stream is read again first: it may have
      // been created again, under another epoch, before the follower noticed.
      if (this.recheckEpoch) {
        epoch = (await streamState(link.jsm, this.options)).epoch;
        this.follower.noticeEpoch(epoch);
      }
      ({ seq } = await link.js.publish(subject, message.data, {
        headers,
        timeout: commandTimeout,
        // Only this channel's stream may acknowledge it: a subject captured by another stream is refused.
        expect: { streamName: stream },
      }));
      this.recheckEpoch = false;
    } catch (error) {
      this.recheckEpoch = true;
      throw unavailable(stream, 'publish', error);
    }
    return {
      id: formatEventId(epoch, seq),
      event: message.event,
      data: message.data,
    };
  }

  compare(a: string, b: string): number {
    return compareEventIds(a, b);
  }

  protected async readPage(lastEventId: string, limit: number): Promise<ReplayResult> {
    const link = this.connection.current();
    if (!link) throw unavailable(this.stream, 'a history read', new Error('not connected'));
    try {
      return await readReplay(link.jsm, this.options, lastEventId, limit);
    } catch (error) {
      throw unavailable(this.stream, 'a history read', error);
    }
  }

  protected closedError(): Error {
    return new NatsChannelError(
      'ERR_SSE_NATS_CLOSED',
      this.stream,
      `The NATS channel on stream "${this.stream}" is closed; create a new one to send or read.`,
    );
  }

  protected notStarted(reason: Error): Error {
    return unavailable(this.stream, 'publish', reason);
  }

  protected closeConnections(): Promise<void> {
    return this.connection.close();
  }
}
