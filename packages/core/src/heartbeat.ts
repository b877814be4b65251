import { unrefTimer } from './background-timer.js';

/** Something the heartbeat scheduler keeps alive: an open stream. */
export interface HeartbeatTarget {
  /** The scheduler tick at which the target last wrote anything. */
  lastWriteTick: number;
  /** Write a keep-alive comment now. */
  heartbeat(): void;
}

/** Ticks per heartbeat interval: a heartbeat follows between 1 and 1.2 intervals of silence. */
const TICKS_PER_INTERVAL = 5;

/**
 * Drives the heartbeats of every stream that shares one interval with a single timer. A write only
 * stores the current tick number on its stream (no timer work, no clock read); each tick walks the
 * streams and writes a comment to those that have been silent for a whole interval. The timer runs
 * only while streams are registered and never keeps the process alive.
 */
export class HeartbeatScheduler {
  /** Counts the ticks since the scheduler started; streams compare their last write against it. */
  tick = 0;
  private readonly targets = new Set<HeartbeatTarget>();
  private timer: ReturnType<typeof setInterval> | undefined;

  /** @param interval milliseconds of silence after which a heartbeat is written */
  constructor(readonly interval: number) {}

  /** Number of streams registered. */
  get size(): number {
    return this.targets.size;
  }

  /** Starts keeping `target` alive. */
  add(target: HeartbeatTarget): void {
    target.lastWriteTick = this.tick;
    this.targets.add(target);
    if (this.timer === undefined) {
      // Idle streams must never hold a process open that is otherwise done.
      this.timer = unrefTimer(setInterval(() => this.onTick(), this.interval / TICKS_PER_INTERVAL));
    }
  }

  /** Stops keeping `target` alive; the timer stops with the last one. */
  delete(target: HeartbeatTarget): void {
    this.targets.delete(target);
    if (this.targets.size === 0 && this.timer !== undefined) {
      clearInterval(this.timer);
      this.timer = undefined;
      schedulers.delete(this.interval);
    }
  }

  private onTick(): void {
    const tick = ++this.tick;
    for (const target of this.targets) {
      // A write lands somewhere between two ticks but is stamped with the earlier one, so only a
      // gap of more than a whole interval of ticks guarantees a whole interval of silence.
      if (tick - target.lastWriteTick > TICKS_PER_INTERVAL) target.heartbeat();
    }
  }
}

const schedulers = new Map<number, HeartbeatScheduler>();

/** The one scheduler for `interval`, shared by every stream that uses that interval. */
export function heartbeatScheduler(interval: number): HeartbeatScheduler {
  let scheduler = schedulers.get(interval);
  if (!scheduler) {
    scheduler = new HeartbeatScheduler(interval);
    schedulers.set(interval, scheduler);
  }
  return scheduler;
}

/**
 * How many streams are kept alive by heartbeats and how many timers do it, across all intervals.
 * For metrics and leak checks: both fall to 0 once every stream has closed.
 */
export function heartbeatStats(): { streams: number; timers: number } {
  let streams = 0;
  for (const scheduler of schedulers.values()) streams += scheduler.size;
  return { streams, timers: schedulers.size };
}
