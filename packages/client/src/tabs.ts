import { checkStringOption } from '@ssekit/core/internal';
import type { ClientState } from './types.js';

/**
 * What a client gives its tab sharing: a handler object the client makes, which only a `TabSharing`
 * (such as `shareAcrossTabs()`) calls.
 */
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
 * How a client shares its connection (the `share` option of `connect`): called once, with the name
 * the URL gives (`ssekit:` + the URL) and the client's handlers. Returns `undefined` where sharing is
 * impossible, and the client then connects by itself.
 */
export type TabSharing = <Event extends { lastEventId: string }>(
  defaultName: string,
  handlers: TabHandlers<Event>,
) => TabShare<Event> | undefined;

/**
 * Shares one connection among the tabs of this origin (the `share` option of `connect`): a browser
 * allows about six HTTP/1.1 connections per host, so an app open in many tabs would hang. The tab
 * holding the Web Lock `name` (default: `ssekit:` + the URL) connects and relays every event over the
 * `BroadcastChannel` `name`; when it closes, the next tab in line takes the lock and resumes by
 * `Last-Event-ID` from the last event it relayed, so no event is lost or doubled (with a server that
 * replays, such as an ssekit channel with a history). Every tab's client reads the same events and the
 * leader's states. Does nothing where Web Locks or BroadcastChannel are missing.
 *
 * A function of its own, not a flag, so that a bundle without it leaves its code out.
 *
 * @example
 * const client = connect('/feed', { share: shareAcrossTabs() });
 */
export function shareAcrossTabs(name?: string): TabSharing {
  if (name !== undefined) checkStringOption('shareAcrossTabs(name)', name, 'a non-empty string');
  return (defaultName, handlers) => joinTabs(name ?? defaultName, handlers);
}

function joinTabs<Event extends { lastEventId: string }>(
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
