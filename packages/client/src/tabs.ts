import type { ClientState } from './types.js';

/** What a client gives the tab sharing: a private handler object, never part of the client's API. */
export interface TabHandlers<Event> {
  /** This tab holds the lock now: connect. Resolves once the client closes, releasing the lock. */
  lead(): Promise<unknown>;
  /** An event the leading tab relayed. */
  receive(event: Event): void;
  /** A state the leading tab reported. */
  receiveState(state: ClientState): void;
  /** Whether the client is closed (a lock granted to a closed client is handed on at once). */
  closed(): boolean;
}

/** A client's end of the sharing. */
export interface TabShare<Event> {
  /** Sends an event to the other tabs, when this tab leads. */
  relay(event: Event): void;
  /** Sends a state to the other tabs, when this tab leads. */
  relayState(state: ClientState): void;
  /** Stops listening to the other tabs. */
  close(): void;
}

/**
 * Joins the tabs sharing one connection under `name`: the tab holding the Web Lock `name` leads
 * (connects and relays over the `BroadcastChannel` `name`), the others follow. Returns `undefined`
 * where Web Locks or BroadcastChannel are missing, so the client connects by itself.
 */
export function joinTabs<Event extends { lastEventId: string }>(
  name: string,
  handlers: TabHandlers<Event>,
): TabShare<Event> | undefined {
  const locks = (globalThis.navigator as Navigator | undefined)?.locks;
  if (!locks || typeof BroadcastChannel !== 'function') return undefined;
  const channel = new BroadcastChannel(name);
  let leader = false;
  channel.onmessage = ({ data }: MessageEvent<{ event?: Event; state?: ClientState }>) => {
    // Once leading, what the old leader still sends is covered by the replay: taking it would double it.
    if (leader || handlers.closed()) return;
    if (data.event) handlers.receive(data.event);
    else if (data.state) handlers.receiveState(data.state);
  };
  // The lock is held until the client closes (or its tab does); then the next tab in line leads.
  locks
    .request(name, () => {
      if (handlers.closed()) return;
      leader = true;
      return handlers.lead();
    })
    .catch(() => {});
  return {
    relay(event) {
      if (leader) channel.postMessage({ event });
    },
    relayState(state) {
      // A leader that closes hands over: the other tabs do not close with it.
      if (leader && state !== 'closed') channel.postMessage({ state });
    },
    close: () => channel.close(),
  };
}
