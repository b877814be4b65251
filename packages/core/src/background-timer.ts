/**
 * Timers that run in the background: none of them is ever the reason a process stays up. Node and
 * Bun timers have `unref`; Deno's are numbers, and Workers' and browsers' have no such method.
 */

/** Marks `timer` as one that must not keep the process alive, and returns it. */
export function unrefTimer<T>(timer: T): T {
  (timer as { unref?: () => void }).unref?.();
  return timer;
}

/**
 * One interval that ticks only while its owner has work for it: started when the work appears,
 * stopped when it is gone, so an idle owner holds no timer.
 */
export class BackgroundInterval {
  private readonly tick: () => void;
  private timer: ReturnType<typeof setInterval> | undefined;

  constructor(tick: () => void) {
    this.tick = tick;
  }

  /** Starts ticking every `ms`, unless it already ticks. */
  start(ms: number): void {
    if (this.timer === undefined) this.timer = unrefTimer(setInterval(this.tick, ms));
  }

  /** Stops ticking; nothing when it does not tick. */
  stop(): void {
    if (this.timer === undefined) return;
    clearInterval(this.timer);
    this.timer = undefined;
  }
}
