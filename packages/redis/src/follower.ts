import { EngineFollowerLoop } from '@ssekit/core/internal';
import { backoff, type Connection } from './connection.js';
import { type Entry, type StreamInfo, streamInfo, toMessage } from './entries.js';
import { compareStreamIds, STREAM_START } from './stream-id.js';

/** Entries taken per read: bounds the memory one read holds while a follower catches up. */
const READ_BATCH = 1_000;

/**
 * How many of the ids delivered last are remembered. Enough to recognise, after a failover to a
 * replica that had not received the newest entries, the newest entry it has: replication lags by
 * milliseconds, so only the last few entries are ever lost that way.
 */
const REMEMBERED = 64;

/** XINFO STREAM's reply for a stream that does not exist. */
const EMPTY_STREAM = ['length', 0, 'entries-added', 0];

/** What the follower needs to know. */
export interface FollowerOptions {
  key: string;
  blockTimeout: number;
  commandTimeout: number;
  maxRetryDelay: number;
  report: (error: unknown) => void;
  /**
   * Called when the follower reads again after a failure: Redis is back, or a Cluster's slot has a
   * new master (the channel then has its writer learn the new layout before its next command).
   */
  recovered: () => void;
}

/**
 * Follows the stream with `XREAD BLOCK` on a connection of its own and hands every new entry, in
 * stream order, to this instance's subscribers; after a failure it reconnects with backoff and
 * resumes after the last entry it delivered. When entries it had not delivered were removed before
 * it read them (it was stalled while the stream was trimmed past it), it tells its subscribers so
 * (`onGap`) before the entries that follow.
 */
export class Follower extends EngineFollowerLoop<string> {
  /** Where the next read starts: the last entry delivered or started after; `undefined` before it started. */
  private position: string | undefined;
  /**
   * The ordinal of the last entry delivered (or started after) among all entries ever added to the
   * stream, counting from 1 (Redis 7's `entries-added`); `undefined` where Redis does not tell.
   * Entries removed from the head are counted by `entries-added - length`, so comparing the two
   * tells whether entries after the last one delivered were removed before this follower read them.
   */
  private ordinal: number | undefined;
  /** The last entry delivered (or started after); `position` is reset when that entry is gone. */
  private lastDelivered: string | undefined;
  /** The ids delivered last (at most `REMEMBERED`), oldest first. */
  private readonly recent = new Set<string>();

  constructor(
    private readonly reader: Connection,
    private readonly options: FollowerOptions,
  ) {
    super(options.report, options.commandTimeout);
    this.run();
  }

  /**
   * Resolves once the follower has delivered `id` (at most `commandTimeout` later), so that the
   * channel drops what a replay and the live path both hold (see `PositionWaiters`).
   */
  caughtUp(id: string): Promise<void> {
    return this.waiters.wait(id);
  }

  protected reached(id: string): boolean {
    return this.position !== undefined && compareStreamIds(this.position, id) >= 0;
  }

  protected async follow(): Promise<void> {
    const { key, blockTimeout, maxRetryDelay, report } = this.options;
    let failures = 0;
    let synced = false;
    while (!this.stopped) {
      try {
        if (!synced) {
          // Without an offline queue a command sent before the connection is up fails at once:
          // wait for it (or the retry delay) instead of reporting a spurious error at every start.
          if (this.reader.status !== 'ready') await this.pauseUntilReady(maxRetryDelay);
          if (this.stopped) return;
          const resuming = this.position !== undefined;
          this.position = await this.resumePosition();
          synced = true;
          if (resuming) this.options.recovered();
          this.markReady();
          this.waiters.release();
        }
        const from = this.position as string;
        // Sent together on one connection, so no round trip is added: XINFO answers at once with
        // how many entries were ever removed from the head, which the read below is checked against.
        const [info, reply] = await Promise.all([
          this.info(),
          this.reader.call(
            'XREAD',
            'COUNT',
            String(READ_BATCH),
            'BLOCK',
            String(blockTimeout),
            'STREAMS',
            key,
            from,
          ),
        ]);
        failures = 0;
        // The reply is [[key, entries]], or null when the block timed out with nothing new.
        const entries = (reply as [string, Entry[]][] | null)?.[0]?.[1];
        if (!entries) continue;
        this.checkContinuity(streamInfo(info), entries, from);
        this.deliver(entries);
      } catch (error) {
        if (this.stopped) return;
        synced = false;
        report(error);
        await this.pauseUntilReady(backoff(++failures, maxRetryDelay));
      }
    }
  }

  /**
   * Where to read from after (re)connecting. At first: after the newest entry, since older entries
   * are history, served by replays. After a failure: after the last entry delivered, if the stream
   * still holds it; after the newest entry before it, if that is one this follower delivered (the
   * stream lost its tail); if not, the stream was recreated (Redis restarted without persistence,
   * the key deleted) or trimmed past it, and everything now in it is newer to this follower: from the start.
   * (If it was trimmed past it, the first read signals the gap: entries after it were removed.)
   */
  private async resumePosition(): Promise<string> {
    const { key } = this.options;
    const last = this.position;
    if (last === undefined) {
      const info = streamInfo(await this.info());
      // The newest entry is the last one added (ordinal `entries-added`), unless it was deleted.
      this.ordinal = info.removedCount === undefined ? undefined : info.removedCount + (info.length ?? 0);
      this.lastDelivered = info.newest ?? STREAM_START;
      return this.lastDelivered;
    }
    const kept = (await this.reader.call('XRANGE', key, last, last)) as Entry[];
    if (kept.length > 0) return last;
    // The stream lost its tail (a replica promoted before it received the newest entries) if the
    // newest entry before the last one delivered is one this follower delivered too: carry on
    // after it, so that nothing is delivered twice. Where it counts from then on is unknown.
    const [before] = (await this.reader.call('XREVRANGE', key, last, '-', 'COUNT', '1')) as Entry[];
    if (before !== undefined && this.recent.has(before[0])) {
      this.ordinal = undefined;
      this.lastDelivered = before[0];
      return before[0];
    }
    return STREAM_START;
  }

  /** XINFO STREAM's reply; a stream that does not exist yet is an empty one, nothing ever added. */
  private info(): Promise<unknown> {
    return this.reader.call('XINFO', 'STREAM', this.options.key).catch((error: unknown) => {
      if (error instanceof Error && /no such key/i.test(error.message)) return EMPTY_STREAM;
      throw error;
    });
  }

  /**
   * Signals a gap if the read skipped entries: when it starts at the oldest entry kept, that entry's
   * ordinal tells whether entries between the last one delivered and it were removed. Otherwise the
   * read follows on from the last entry delivered. (Entries deleted with XDEL from the middle of the
   * stream also count as removed; ssekit never does that.)
   */
  private checkContinuity(info: StreamInfo, entries: readonly Entry[], from: string): void {
    const first = entries[0]?.[0];
    const oldestOrdinal = info.removedCount === undefined ? undefined : info.removedCount + 1;
    if (first === undefined || first !== info.oldest || oldestOrdinal === undefined) {
      if (this.ordinal !== undefined) this.ordinal += entries.length;
      return;
    }
    // Ordinals restart in a recreated stream, where a lower one is no loss.
    if (this.ordinal !== undefined && oldestOrdinal > this.ordinal + 1)
      this.subscribers.gap(this.lastDelivered ?? from);
    this.ordinal = oldestOrdinal + entries.length - 1;
  }

  private deliver(entries: readonly Entry[]): void {
    for (const entry of entries) {
      const message = toMessage(entry);
      this.position = entry[0];
      this.lastDelivered = entry[0];
      this.recent.add(entry[0]);
      if (this.recent.size > REMEMBERED) this.recent.delete(this.recent.values().next().value as string);
      this.subscribers.deliver(message);
    }
    this.waiters.release();
  }

  /** Waits `ms`, or less if the connection comes back or the follower stops. */
  private pauseUntilReady(ms: number): Promise<void> {
    return this.pause(ms, (wake) => {
      this.reader.once('ready', wake);
      return () => this.reader.off('ready', wake);
    });
  }
}
