// What the reconnect-storm tests (core, redis, nats) run on: a real node:http server whose /events
// streams join a channel, and real fetch clients whose bodies go through core's parser.
import {
  type Channel,
  createParser,
  createStreamGroup,
  nodeStreamRequest,
  openSSEStream,
  type ParsedEvent,
  type SSEOptions,
} from '@ssekit/core';
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
