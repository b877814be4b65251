import { type ConsumerMessages, DeliverPolicy, type JetStreamManager, type JsMsg } from '@nats-io/jetstream';
import { EngineFollowerLoop } from '@ssekit/core/internal';
import { backoff, type Connection } from './connection.js';
import { formatEventId, parseEventId } from './event-id.js';
import { toEvent } from './messages.js';
import type { ResolvedNatsOptions } from './options.js';
import { type StreamState, streamState } from './stream.js';

/** Messages asked for per pull: bounds what a follower catching up holds at once. */
const READ_BATCH = 1_000;
/** How long one pull waits on the server, in milliseconds (the client's default is 30 s). */
const PULL_EXPIRES = 5_000;

/**
 * Follows the stream with an ordered consumer (which the NATS client re-creates after a lost
 * connection, after the last sequence it handed over) and hands every message, in sequence order,
 * to this instance's subscribers. Sequences are contiguous, so a jump means messages it had not
 * delivered were removed first (it was stalled while the stream was trimmed past it): it tells its
 * subscribers so (`onGap`) before the messages that follow. If the stream itself was deleted and
 * created again (another epoch), everything in the new one is newer: it reads it from its start.
 */
export class Follower extends EngineFollowerLoop<number> {
  /** The epoch of the stream followed; `undefined` before it started. */
  private currentEpoch: string | undefined;
  /** The sequence of the last message delivered (or started after). */
  private position = 0;
  private messages: ConsumerMessages | undefined;
  /** Set when the stream was found created again: the current consumer ends, and it starts over. */
  private replaced = false;

  constructor(
    private readonly connection: Connection,
    private readonly options: ResolvedNatsOptions,
  ) {
    super(options.report, options.commandTimeout);
    this.run();
  }

  /** The epoch of the stream followed, once started (`ready()` has resolved). */
  get epoch(): string | undefined {
    return this.currentEpoch;
  }

  /**
   * Resolves once the follower has delivered `id` (at most `commandTimeout` later), so that the
   * channel drops what a replay and the live path both hold (see `PositionWaiters`). An id of
   * another epoch, or malformed, is not waited for.
   */
  caughtUp(id: string): Promise<void> {
    const target = parseEventId(id);
    if (!target || target.epoch !== this.currentEpoch) return Promise.resolve();
    return this.waiters.wait(target.sequence);
  }

  /** A sequence of the current epoch, delivered once the position reaches it. */
  protected reached(sequence: number): boolean {
    return this.position >= sequence;
  }

  protected override async interrupt(): Promise<void> {
    await this.messages?.close().catch(() => {});
  }

  protected async follow(): Promise<void> {
    const { stream, maxRetryDelay, report } = this.options;
    let failures = 0;
    while (!this.stopped) {
      try {
        const link = await this.connection.whenConnected();
        if (this.stopped || !link) return;
        this.start(await streamState(link.jsm, this.options));
        const consumer = await link.js.consumers.get(stream, {
          deliver_policy: DeliverPolicy.StartSequence,
          opt_start_seq: this.position + 1,
        });
        // A deleted stream ends the consumer (with an error) instead of being waited for.
        const messages = await consumer.consume({
          max_messages: READ_BATCH,
          // Pulls expire, and heartbeats come, at half this: a consumer gone (its stream deleted
          // between two pulls) is noticed within about this long.
          expires: PULL_EXPIRES,
          abort_on_missing_resource: true,
          // A callback, not the iterator: it runs for every message of a socket read in one go, so
          // a backlog (after this instance stalled) leaves as one write per client. The iterator
          // hands one message per turn of the event loop's microtasks, which ends the channel's
          // write batch after every event: one write per client per event, the stall feeding itself.
          callback: (message) => {
            failures = 0;
            this.take(message);
          },
        });
        this.messages = messages;
        if (this.stopped) break;
        void this.watchForNewEpoch(messages, link.jsm);
        const ended = await messages.closed();
        if (ended instanceof Error) throw ended;
        // A stream created again under the same name: start over, from its first message.
        if (this.replaced) {
          this.replaced = false;
          continue;
        }
        if (!this.stopped) throw new Error(`the consumer of stream "${stream}" stopped`);
      } catch (error) {
        if (this.stopped) break;
        report(error);
        await this.pause(backoff(++failures, maxRetryDelay));
      } finally {
        await this.messages?.close().catch(() => {});
        this.messages = undefined;
      }
    }
  }

  /**
   * Told the stream's epoch as just read elsewhere (by a send): if the stream was created again
   * under the same name, the follower starts over on it, from its first message, instead of
   * waiting to notice by itself.
   */
  noticeEpoch(epoch: string): void {
    if (this.currentEpoch === undefined || epoch === this.currentEpoch || !this.messages) return;
    this.replaced = true;
    void this.messages.close().catch(() => {});
  }

  /**
   * The NATS client re-creates an ordered consumer by itself (after a lost connection or missed
   * heartbeats), after the last sequence it handed over: if the stream was meanwhile deleted and
   * created again, that would silently skip the new stream's first messages. So after each
   * re-creation the stream's epoch is checked.
   */
  private async watchForNewEpoch(messages: ConsumerMessages, jsm: JetStreamManager): Promise<void> {
    for await (const status of messages.status()) {
      if (status.type !== 'ordered_consumer_recreated') continue;
      const state = await streamState(jsm, this.options).catch(() => undefined);
      if (state) this.noticeEpoch(state.epoch);
    }
  }

  /**
   * Where to read from: at first after the newest message, since older ones are history, served
   * by replays; after a failure, after the last one delivered, unless the stream was deleted and
   * created again since, where everything is newer to this follower.
   */
  private start(state: StreamState): void {
    if (this.currentEpoch === undefined) {
      this.position = state.lastSeq;
      this.currentEpoch = state.epoch;
      this.markReady();
    } else if (this.currentEpoch !== state.epoch) {
      this.position = 0;
      this.currentEpoch = state.epoch;
    }
    this.waiters.release();
  }

  private take(message: JsMsg): void {
    const { seq } = message;
    // A re-created consumer can hand over again what was already delivered.
    if (seq <= this.position) return;
    const epoch = this.currentEpoch as string;
    if (seq > this.position + 1) this.subscribers.gap(formatEventId(epoch, this.position));
    this.position = seq;
    const event = toEvent(this.options.stream, epoch, message);
    if (event instanceof Error) this.options.report(event);
    else this.subscribers.deliver(event);
    this.waiters.release();
  }
}
