import type { LogChange, TerminalState } from '@ssekit/core';
import type { Redis } from 'ioredis';

/** Reads the current state of a stream, for a hint after (re)subscribing. */
export type StateReader = (id: string) => Promise<LogChange>;

/**
 * This instance's one pub/sub subscriber: one `SUBSCRIBE` per watched stream, however many local
 * watchers it has, fanned out locally; `UNSUBSCRIBE` when its last watcher stops.
 *
 * Pub/sub drops what is published while a subscriber is not subscribed, so after every
 * subscription is confirmed (the first one, and again after a reconnection) each watcher is told
 * the stream's current state, read after the confirmation: a change made before that is in the
 * state read, one made after it arrives as a message. So a hint is never lost for good; at worst it
 * arrives one reconnection later (bounded by `maxRetryDelay`).
 */
export class Watchers {
  private readonly listeners = new Map<string, Set<(change: LogChange) => void>>();

  constructor(
    private readonly subscriber: Redis,
    private readonly channelOf: (id: string) => string,
    idOf: (channel: string) => string | undefined,
    private readonly readState: StateReader,
    private readonly report: (error: unknown) => void,
  ) {
    subscriber.on('message', (channel: string, text: string) => {
      const id = idOf(channel);
      const change = id === undefined ? undefined : parseChange(text);
      if (id !== undefined && change !== undefined) this.notify(id, change);
    });
    // ioredis's own resubscription is off: this one re-reads each stream's state once subscribed.
    subscriber.on('ready', () => {
      for (const id of this.listeners.keys()) void this.subscribe(id);
    });
  }

  watch(id: string, listener: (change: LogChange) => void): () => void {
    let set = this.listeners.get(id);
    if (!set) {
      set = new Set();
      this.listeners.set(id, set);
      void this.subscribe(id);
    }
    set.add(listener);
    return () => {
      const current = this.listeners.get(id);
      if (!current?.delete(listener) || current.size > 0) return;
      this.listeners.delete(id);
      if (this.subscriber.status === 'ready') {
        this.subscriber.unsubscribe(this.channelOf(id)).catch(this.report);
      }
    };
  }

  /** Subscribes (if connected: a reconnection subscribes again) and tells the watchers the state. */
  private async subscribe(id: string): Promise<void> {
    if (this.subscriber.status !== 'ready') return;
    try {
      await this.subscriber.subscribe(this.channelOf(id));
      if (!this.listeners.has(id)) {
        // Every watcher left while the subscription was on its way.
        await this.subscriber.unsubscribe(this.channelOf(id));
        return;
      }
      this.notify(id, await this.readState(id));
    } catch (error) {
      this.report(error);
    }
  }

  private notify(id: string, change: LogChange): void {
    for (const listener of this.listeners.get(id) ?? []) {
      try {
        listener(change);
      } catch (error) {
        this.report(error);
      }
    }
  }
}

/**
 * A message the scripts publish: `<last>` after an append, `<last> <terminal JSON>` after the end.
 * Anything else (another program publishing on the channel) is ignored.
 */
function parseChange(text: string): LogChange | undefined {
  const space = text.indexOf(' ');
  const digits = space < 0 ? text : text.slice(0, space);
  const last = Number(digits);
  if (!/^\d{1,15}$/.test(digits)) return undefined;
  if (space < 0) return { last };
  const terminal = parseTerminal(text.slice(space + 1));
  return terminal ? { last, terminal } : undefined;
}

/** A terminal state as stored; `undefined` for anything this package did not write. */
export function parseTerminal(json: string): TerminalState | undefined {
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null) return undefined;
  const { state, message, reason } = value as Record<string, unknown>;
  if (state === 'done') return { state };
  if (state === 'error' && typeof message === 'string') return { state, message };
  if (state === 'cancelled' && (reason === 'request' || reason === 'max-duration')) return { state, reason };
  return undefined;
}
