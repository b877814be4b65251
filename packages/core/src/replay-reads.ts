import { BackgroundInterval } from './background-timer.js';
import type { HistoryStore, ReplayResult } from './history.js';

/**
 * Milliseconds a finished page read stays on offer to resumers asking for the same page: about as
 * long as a reconnect storm takes to arrive, short enough that a quiet channel soon holds nothing.
 */
const KEEP_MS = 1_000;
/**
 * Most page reads kept at once. Resumers from the same id ask for the same pages in the same order,
 * so a storm needs a few; resumers from many ids each miss, and the oldest read is let go.
 */
const MAX_READS = 32;

/**
 * Given as a channel option (`{ [UNSHARED_REPLAYS]: true }`), every replay reads its own pages, as
 * before reads were shared: the benchmark's A/B switch, not public API.
 */
export const UNSHARED_REPLAYS: unique symbol = Symbol('ssekit.unsharedReplays');

interface Read {
  readonly result: Promise<ReplayResult>;
  /** When the read settled (ms since epoch); `Infinity` while it is under way. */
  settledAt: number;
}

/**
 * One channel's replay page reads, shared: resumers asking for the same page (the same id to read
 * after, the same limit) while it is being read, or for `KEEP_MS` after, get the same answer, so a
 * reconnect storm costs the history one read per page instead of one per client. The answer is the
 * same objects for every sharer (never changed by the channel); each stream is still charged the
 * page bytes it holds, as if it had read its own copy, so the per-stream bound is unchanged.
 */
export class SharedReads {
  private readonly reads = new Map<string, Read>();
  /** One timer per channel, only while reads are kept: it lets go of the ones past `KEEP_MS`. */
  private readonly sweeper = new BackgroundInterval(() => {
    const now = Date.now();
    for (const [key, read] of this.reads) if (now - read.settledAt >= KEEP_MS) this.reads.delete(key);
    if (this.reads.size === 0) this.sweeper.stop();
  });

  /** `share` false: every page is read for its caller alone (the benchmark's A/B switch). */
  constructor(
    private readonly store: HistoryStore,
    private readonly share: boolean,
  ) {}

  /**
   * The page after `after` (at most `limit` messages) for a stream that joined once the channel had
   * delivered `seen` live (`undefined`: nothing yet). The stream holds back only what is delivered
   * after `seen`, so a shared answer must reach `seen` (or have `more` to read on): one that ends
   * before it was read before a broadcast this stream joined after, and the stream reads the page
   * afresh, which then replaces the stale one for the resumers that follow.
   */
  async page(after: string, limit: number, seen: string | undefined): Promise<ReplayResult> {
    if (!this.share) return this.store.after(after, { limit });
    // The limit first: an id may hold any character but a line break.
    const key = `${limit}\n${after}`;
    const shared = this.reads.get(key);
    if (shared !== undefined && Date.now() - shared.settledAt < KEEP_MS) {
      const result = await shared.result;
      if (seen === undefined || this.reaches(result, after, seen)) return result;
    }
    return this.read(key, after, limit);
  }

  /** Forgets every read, so no later resumer is given an answer from before now. */
  clear(): void {
    this.reads.clear();
    this.sweeper.stop();
  }

  /** Starts a read now (synchronously, so nothing delivered later can be missing from it) and offers it. */
  private read(key: string, after: string, limit: number): Promise<ReplayResult> {
    let answer: ReplayResult | Promise<ReplayResult>;
    try {
      answer = this.store.after(after, { limit });
    } catch (error) {
      return Promise.reject(error);
    }
    const result = Promise.resolve(answer);
    const read: Read = { result, settledAt: Infinity };
    if (this.reads.size >= MAX_READS) this.reads.delete(this.reads.keys().next().value as string);
    this.reads.set(key, read);
    result.then(
      () => {
        read.settledAt = Date.now();
        // Unless it was let go meanwhile (`clear`, or pushed out): then nothing is left to sweep.
        if (this.reads.get(key) === read) this.sweeper.start(KEEP_MS);
      },
      // A failed read is not offered again: the next resumer asks the store itself.
      () => {
        if (this.reads.get(key) === read) this.reads.delete(key);
      },
    );
    return result;
  }

  /** Whether `result`, read after `after`, leaves nothing up to `seen` unreplayed. */
  private reaches(result: ReplayResult, after: string, seen: string): boolean {
    if (result.kind === 'gap') return this.store.compare(result.resumeId, seen) >= 0;
    return result.more === true || this.store.compare(result.messages.at(-1)?.id ?? after, seen) >= 0;
  }
}
