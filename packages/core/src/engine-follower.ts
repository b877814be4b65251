/**
 * Pieces every shared engine's follower needs (`@ssekit/redis`, `@ssekit/nats`): the channels
 * subscribed to what it reads, and the replays waiting for it to reach a position. Reached through
 * `@ssekit/core/internal`.
 */
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
 * An `onError` hook made safe to call from a follower: absent, it ignores; given, it receives an
 * `Error` (non-errors wrapped); if it throws, that is swallowed, so a failing hook breaks nothing.
 */
export function errorReporter(onError: ((error: Error) => void) | undefined): (error: unknown) => void {
  return (error) => {
    if (!onError) return;
    try {
      onError(error instanceof Error ? error : new Error(String(error)));
    } catch {
      // A failing error hook must not break the follower.
    }
  };
}
