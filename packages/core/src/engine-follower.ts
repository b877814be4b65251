/**
 * Pieces every shared engine's follower needs (`@ssekit/redis`, `@ssekit/nats`): the channels
 * subscribed to what it reads, and the replays waiting for it to reach a position. Reached through
 * `@ssekit/core/internal`.
 */
import { invalidOption } from './check-option.js';
import type { ChannelMessage, LiveGap } from './history.js';

interface Subscriber {
  readonly deliver: (message: ChannelMessage) => void;
  readonly onGap: ((gap: LiveGap) => void) | undefined;
}

/**
 * The subscribers of a delivering history on one instance. Each message (or gap) is handed to every
 * one in turn; a subscriber that throws is reported and never stops the others.
 */
export class EngineSubscribers {
  private readonly subscribers = new Set<Subscriber>();

  constructor(private readonly report: (error: unknown) => void) {}

  /** Adds a subscriber; returns the function that removes it. */
  add(deliver: (message: ChannelMessage) => void, onGap?: (gap: LiveGap) => void): () => void {
    const subscriber: Subscriber = { deliver, onGap };
    this.subscribers.add(subscriber);
    return () => this.subscribers.delete(subscriber);
  }

  deliver(message: ChannelMessage): void {
    for (const { deliver } of this.subscribers) this.call(() => deliver(message));
  }

  /** Tells every subscriber that messages it had not delivered yet were lost (trimmed while stalled). */
  gap(lastEventId: string): void {
    for (const { onGap } of this.subscribers) this.call(() => onGap?.({ lastEventId, reason: 'expired' }));
  }

  clear(): void {
    this.subscribers.clear();
  }

  private call(fn: () => void): void {
    try {
      fn();
    } catch (error) {
      this.report(error);
    }
  }
}

/**
 * Replays waiting until the follower has delivered a position. A replay read from the shared store
 * can be ahead of this instance's follower; the channel holds live events back while it replays, so
 * waiting puts every event the replay holds into that held-back set, where the channel drops the
 * duplicates. Each wait is bounded (`timeoutMs`), so a follower cut off from its server does not
 * hold a client's replay forever: at worst an event then arrives twice.
 */
export class PositionWaiters<Position> {
  private readonly waiting = new Map<() => void, Position>();

  /** `reached(target)` tells whether the follower has delivered `target`. */
  constructor(
    private readonly reached: (target: Position) => boolean,
    private readonly timeoutMs: number,
  ) {}

  /** Resolves once `target` is reached (at once if it is), or after `timeoutMs`. */
  wait(target: Position): Promise<void> {
    if (this.reached(target)) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.waiting.delete(done);
        resolve();
      };
      const timer = setTimeout(done, this.timeoutMs);
      this.waiting.set(done, target);
    });
  }

  /** Resolves the waits whose target is now reached. */
  release(): void {
    for (const [done, target] of this.waiting) if (this.reached(target)) done();
  }

  /** Resolves every wait (the follower stopped). */
  releaseAll(): void {
    for (const done of [...this.waiting.keys()]) done();
  }
}

/**
 * An engine's `onError` option, checked, as a hook safe to call from a follower: absent, it
 * ignores; given, it receives an `Error` (non-errors wrapped); if it throws, that is swallowed, so
 * a failing hook breaks nothing.
 *
 * @throws SSEFieldError (`ERR_SSE_INVALID_OPTION`) when `onError` is given and not a function
 */
export function errorReporter(onError: unknown): (error: unknown) => void {
  if (onError !== undefined && typeof onError !== 'function') {
    throw invalidOption('onError', onError, 'a function', 'type');
  }
  const hook = onError as ((error: Error) => void) | undefined;
  return (error) => {
    if (!hook) return;
    try {
      hook(error instanceof Error ? error : new Error(String(error)));
    } catch {
      // A failing error hook must not break the follower.
    }
  };
}

/**
 * The loop of a shared engine's follower, less what is the engine's own: its subscribers, the
 * replays waiting for a position, the start it signals, the pauses between attempts, and stopping.
 * A subclass reads its engine in `follow()` and calls `run()` at the end of its constructor (not
 * here: the loop reads the subclass's fields, which are set only after this constructor).
 */
export abstract class EngineFollowerLoop<Position> {
  /** The channels subscribed to what it reads. */
  protected readonly subscribers: EngineSubscribers;
  /** Replays waiting for a position to be delivered. */
  protected readonly waiters: PositionWaiters<Position>;
  /** Set by `stop()`: the loop ends at its next step. */
  protected stopped = false;
  private readonly started: Promise<void>;
  private markStarted!: () => void;
  /** Ends the pause between attempts early (on stop). */
  private wake: (() => void) | undefined;
  private following: Promise<void> = Promise.resolve();

  /** `report` hears what fails; `waitTimeout` bounds a replay's wait (see `PositionWaiters`). */
  protected constructor(report: (error: unknown) => void, waitTimeout: number) {
    this.subscribers = new EngineSubscribers(report);
    this.waiters = new PositionWaiters((target) => this.stopped || this.reached(target), waitTimeout);
    this.started = new Promise((resolve) => {
      this.markStarted = resolve;
    });
  }

  /** Resolves once the follower knows where in the stream it starts. */
  ready(): Promise<void> {
    return this.started;
  }

  subscribe(deliver: (message: ChannelMessage) => void, onGap?: (gap: LiveGap) => void): () => void {
    return this.subscribers.add(deliver, onGap);
  }

  /** Stops following; resolves once the loop has ended. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.wake?.();
    this.waiters.releaseAll();
    this.subscribers.clear();
    await this.interrupt();
    await this.following;
  }

  /** Starts the loop; called once, at the end of the subclass's constructor. */
  protected run(): void {
    this.following = this.follow();
  }

  /** Tells `ready()` the follower knows where it starts. */
  protected markReady(): void {
    this.markStarted();
  }

  /**
   * Waits `ms`, or less if the follower stops or `wakeOn` calls the function it is given (it
   * returns what removes that watch).
   */
  protected pause(ms: number, wakeOn?: (wake: () => void) => () => void): Promise<void> {
    return new Promise((resolve) => {
      let unwatch: (() => void) | undefined;
      const done = () => {
        clearTimeout(timer);
        unwatch?.();
        this.wake = undefined;
        resolve();
      };
      const timer = setTimeout(done, ms);
      unwatch = wakeOn?.(done);
      this.wake = done;
    });
  }

  /** Ends what the loop is waiting on in the engine, so that it sees `stopped`; nothing by default. */
  protected interrupt(): Promise<void> {
    return Promise.resolve();
  }

  /** The loop: reads the engine until `stopped`, handing what it reads to `subscribers`. */
  protected abstract follow(): Promise<void>;

  /** Whether the follower has delivered `target`. */
  protected abstract reached(target: Position): boolean;
}
