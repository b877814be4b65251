/**
 * The part of a shared engine's channel (`@ssekit/redis`, `@ssekit/nats`) that does not depend on the
 * engine: closing once, refusing calls once closed, holding sends until the follower has started, and
 * making a replay wait for the follower. An engine's channel extends it and keeps only its commands,
 * its ids and its connections. Reached through `@ssekit/core/internal`.
 */
import type { ChannelMessage, LiveGap, ReplayPageOptions, ReplayResult } from './history.js';

/** What the channel needs of its engine's follower. */
export interface EngineFollower {
  /** Adds a subscriber of what the follower reads; returns the function that removes it. */
  subscribe(deliver: (message: ChannelMessage) => void, onGap?: (gap: LiveGap) => void): () => void;
  /** Resolves once the follower has delivered `id` (bounded: see `PositionWaiters`). */
  caughtUp(id: string): Promise<void>;
  /** Stops following; resolves once its loop has ended. */
  stop(): Promise<void>;
}

/**
 * A delivering history on a shared engine, less what is the engine's own. Subclasses call `begin`
 * in their constructor with what must be done before the first send.
 */
export abstract class EngineChannel {
  /** The engine's follower, which delivers what any instance appends. */
  protected abstract readonly follower: EngineFollower;
  private closed = false;
  private closing: Promise<void> | undefined;
  private started: Promise<void> = Promise.resolve();
  private isStarted = false;

  /** `startTimeout`: how long a send waits for `begin`'s promise before it fails. */
  protected constructor(private readonly startTimeout: number) {}

  /** Resolves once the channel has started (see `begin`). */
  ready(): Promise<void> {
    return this.started;
  }

  /**
   * One page of the events after `lastEventId`, once the follower has delivered its last one: the
   * channel holds live events back while it replays, so every event the page holds is then among
   * them, where the channel drops the duplicates.
   */
  async after(lastEventId: string, { limit = Infinity }: ReplayPageOptions = {}): Promise<ReplayResult> {
    this.assertOpen();
    const result = await this.readPage(lastEventId, limit);
    const lastMessage = result.kind === 'replay' ? result.messages.at(-1) : undefined;
    await this.follower.caughtUp(result.kind === 'gap' ? result.resumeId : (lastMessage?.id ?? lastEventId));
    return result;
  }

  subscribe(deliver: (message: ChannelMessage) => void, onGap?: (gap: LiveGap) => void): () => void {
    return this.follower.subscribe(deliver, onGap);
  }

  /** Stops following and closes the engine's connections; idempotent. */
  close(): Promise<void> {
    this.closing ??= this.shutdown();
    return this.closing;
  }

  /** Whether `close()` was called: a connection still trying to reach its server gives up. */
  protected get isClosed(): boolean {
    return this.closed;
  }

  /**
   * Called once from the subclass's constructor with what must be done before the first send: at
   * least the follower knowing where it starts, since an event appended before that could land
   * before that position, and never reach this instance's clients.
   */
  protected begin(started: Promise<unknown>): void {
    this.started = started.then(() => {
      this.isStarted = true;
    });
  }

  /** Throws the engine's "closed" error once `close()` was called. */
  protected assertOpen(): void {
    if (this.closed) throw this.closedError();
  }

  /** Waits (at most `startTimeout`) for the channel to have started; rejects with `notStarted`. */
  protected whenStarted(): Promise<void> {
    if (this.isStarted) return Promise.resolve();
    const timeout = this.startTimeout;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(this.notStarted(new Error(`not connected within ${timeout} ms of starting`))),
        timeout,
      );
      void this.started.then(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  /** Reads one page of the events after `lastEventId` from the engine, failing with the engine's error. */
  protected abstract readPage(lastEventId: string, limit: number): Promise<ReplayResult>;

  /** The error of a call made after `close()`. */
  protected abstract closedError(): Error;

  /** The error of a send that found the channel not started in time, `reason` its cause. */
  protected abstract notStarted(reason: Error): Error;

  /** Closes the engine's connections (the follower is already stopping). */
  protected abstract closeConnections(): Promise<void>;

  private async shutdown(): Promise<void> {
    this.closed = true;
    const stopped = this.follower.stop();
    await this.closeConnections();
    await stopped;
  }
}
