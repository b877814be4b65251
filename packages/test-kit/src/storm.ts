// What the reconnect-storm tests (core, redis, nats) run on: a real node:http server whose /events
// streams join a channel, real fetch clients whose bodies go through core's parser, and the one
// storm test body every history store runs (`describeStormFromOneId`).
import {
  type Channel,
  createChannel,
  createParser,
  createStreamGroup,
  type HistoryStore,
  nodeStreamRequest,
  openSSEStream,
  type ParsedEvent,
  type SSEOptions,
} from '@ssekit/core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { deferred } from './deferred.js';
import { serveHttp } from './http-server.js';
import { waitFor } from './wait.js';

export interface ChannelServer {
  url: string;
  /** Drains every stream the server opened (`group.close`). */
  drain: ReturnType<typeof createStreamGroup>['close'];
  close(): Promise<void>;
}

/** Serves `/events`: a stream opened with `options` that joins `channel` (Last-Event-ID and all). */
export async function serveChannel(channel: Channel, options: SSEOptions = {}): Promise<ChannelServer> {
  const group = createStreamGroup();
  const server = await serveHttp((req, res) => {
    const stream = openSSEStream(nodeStreamRequest(req, res, req.url, group), {
      heartbeat: false,
      ...options,
    });
    channel.add(stream);
  });
  return {
    url: `${server.url}/events`,
    drain: (drainOptions) => group.close(drainOptions),
    close: server.close,
  };
}

/** A client reading one event stream: what it has received so far. */
export interface StormClient {
  events: ParsedEvent[];
  /** Every `retry` value received, in order. */
  retries: number[];
  /** Settles once the server ends the body (or the client leaves). */
  ended: Promise<void>;
  /** Resolves once `condition` holds on what was received. */
  until(condition: (client: StormClient) => boolean, what: string, timeoutMs?: number): Promise<void>;
  leave(): void;
}

/** Requests `url` with fetch, sending `lastEventId` as the Last-Event-ID header if given. */
export async function openClient(url: string, lastEventId?: string): Promise<StormClient> {
  const controller = new AbortController();
  const headers: Record<string, string> = lastEventId === undefined ? {} : { 'last-event-id': lastEventId };
  const response = await fetch(url, { headers, signal: controller.signal });
  const client: StormClient = {
    events: [],
    retries: [],
    ended: Promise.resolve(),
    until: (condition, what, timeoutMs = 30_000) => waitFor(() => condition(client), what, timeoutMs),
    leave: () => controller.abort(),
  };
  const parser = createParser({
    onEvent: (event) => client.events.push(event),
    onRetry: (ms) => client.retries.push(ms),
  });
  const body = response.body;
  if (!body) throw new Error(`no body from ${url}`);
  client.ended = (async () => {
    const decoder = new TextDecoder();
    try {
      for await (const chunk of body) parser.feed(decoder.decode(chunk, { stream: true }));
    } catch {
      // Aborted by `leave`, or dropped by the server: either way the stream has ended.
    }
  })();
  return client;
}

/** The server and the clients of one storm test; each test's are closed after it (`stormSession`). */
export interface StormSession {
  /** Serves `channel` as `serveChannel` does. */
  serve(channel: Channel, options?: SSEOptions): Promise<ChannelServer>;
  /** Opens one client as `openClient` does. */
  open(url: string, lastEventId?: string): Promise<StormClient>;
  /**
   * Opens clients all at once: `count` fresh ones, or one per entry of `lastEventIds`
   * (`undefined`: a fresh one).
   */
  openAll(url: string, lastEventIds: number | readonly (string | undefined)[]): Promise<StormClient[]>;
}

/**
 * Registers, in the calling suite (or file), the cleanup after each test of what it opened through
 * the session: every client leaves, then the server closes.
 */
export function stormSession(): StormSession {
  let server: ChannelServer | undefined;
  let clients: StormClient[] = [];
  afterEach(async () => {
    for (const client of clients) client.leave();
    clients = [];
    await server?.close();
    server = undefined;
  });
  const open = async (url: string, lastEventId?: string) => {
    const client = await openClient(url, lastEventId);
    clients.push(client);
    return client;
  };
  return {
    async serve(channel, options) {
      server = await serveChannel(channel, options);
      return server;
    },
    open,
    openAll(url, lastEventIds) {
      const from = typeof lastEventIds === 'number' ? Array(lastEventIds).fill(undefined) : lastEventIds;
      return Promise.all(from.map((id: string | undefined) => open(url, id)));
    },
  };
}

/** A real history store as the shared storm test needs it (see `describeStormFromOneId`). */
export interface StormStore {
  /** Shown in the test name, e.g. `real Redis`. */
  name: string;
  /** Whether the store's server is installed; the test is skipped if not. */
  available: boolean;
  /** Starts what the store needs (its server), once for the suite. */
  setup?(): Promise<void>;
  teardown?(): Promise<void>;
  /** A fresh, empty store (a channel's history), ready to append to. */
  open(): Promise<HistoryStore>;
  /**
   * The page reads the store's server answered since the last `resetServerReads` (Redis: its
   * XRANGE calls), for a store that can tell; checked besides the channel's calls of `after`.
   */
  serverReads?(): Promise<number>;
  resetServerReads?(): Promise<void>;
}

const STORM_RESUMERS = 200;

/**
 * Registers the reconnect-storm test for `store`: 200 resumers from one id, their pages held back
 * until all have joined (as a slow shared store's would be), cost one read per page, and each gets
 * every event it missed once, in order.
 */
export function describeStormFromOneId(store: StormStore): void {
  describe.skipIf(!store.available)(`replays shared by a reconnect storm (${store.name}, real HTTP)`, () => {
    const storm = stormSession();

    beforeAll(() => store.setup?.());
    afterAll(() => store.teardown?.());

    it(`${STORM_RESUMERS} resumers from one id cause one read per page`, async () => {
      const gate = deferred<void>();
      const { history, reads } = heldBack(await store.open(), gate.promise);
      const channel = createChannel({ history });
      // 40 events after the resumers' id: a first page of 16, then the other 24 in a second page.
      const ids: (string | undefined)[] = [];
      for (let i = 1; i <= 45; i++) ids.push(await channel.send(`event ${i}`));
      const { url } = await storm.serve(channel);
      await store.resetServerReads?.();
      const clients = await storm.openAll(url, Array(STORM_RESUMERS).fill(ids[4]));
      await waitFor(() => channel.size === STORM_RESUMERS, 'every resumer to join', 30_000);
      gate.resolve();
      await Promise.all(clients.map((c) => c.until((c) => c.events.length >= 40, 'the whole replay')));
      const expected = Array.from({ length: 40 }, (_, i) => `event ${i + 6}`);
      for (const client of clients) expect(client.events.map((event) => event.data)).toEqual(expected);
      expect(reads()).toBe(2);
      if (store.serverReads) expect(await store.serverReads()).toBe(2);
      expect(channel.stats.replaysServed).toBe(STORM_RESUMERS);
      await channel.close();
    });
  });
}

/** `store` with its `after` calls counted and their answers (read at once) handed back once `held` resolves. */
function heldBack(store: HistoryStore, held: Promise<void>): { history: HistoryStore; reads(): number } {
  let reads = 0;
  const history = new Proxy(store, {
    get(target, name) {
      if (name === 'after') {
        return (id: string, options?: { limit?: number }) => {
          reads++;
          const answer = target.after(id, options);
          return held.then(() => answer);
        };
      }
      const value = Reflect.get(target, name, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
  return { history, reads: () => reads };
}
