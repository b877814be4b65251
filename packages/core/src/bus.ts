import type { ChannelMessage, LiveGap } from './history.js';

/**
 * How a channel's broadcasts reach every server instance that has clients on it. `localBus` (the
 * default) delivers within this process; a shared bus (Redis, say) delivers each published message
 * to the subscribers of every instance, this one included, in one global order.
 */
export interface ChannelBus {
  /** Sends `message` (with its id, if the channel has a history) to every subscriber. */
  publish(message: ChannelMessage): void | Promise<void>;
  /**
   * Calls `deliver` for every published message, in order, and `onGap` (if the bus can tell) when
   * messages were lost to this instance. Returns a function that unsubscribes.
   */
  subscribe(deliver: (message: ChannelMessage) => void, onGap?: (gap: LiveGap) => void): () => void;
  /** Lets go of connections and timers. Called once by `channel.close()`. */
  close?(): void | Promise<void>;
}

/** The default bus: delivers every message synchronously to this process's subscribers. */
export function localBus(): ChannelBus {
  const subscribers = new Set<(message: ChannelMessage) => void>();
  return {
    publish(message) {
      for (const deliver of subscribers) deliver(message);
    },
    subscribe(deliver) {
      subscribers.add(deliver);
      return () => subscribers.delete(deliver);
    },
  };
}
