import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type ParsedEvent, parseEventStream } from '@ssekit/core';
import Koa from 'koa';
import Koa2 from 'koa2';

/** Every Koa major the adapter supports; each test file runs its cases against all of them. */
export const koas = [
  ['koa 3', Koa],
  ['koa 2', Koa2],
] as const;

export interface Listening {
  url: string;
  server: Server;
  close(): Promise<void>;
}

/** Serves `app` on 127.0.0.1 and a free port. `close` also drops open streams, so it never hangs. */
export async function listen(app: Koa): Promise<Listening> {
  const server = createServer(app.callback());
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    server,
    async close() {
      server.closeAllConnections();
      server.close();
      await once(server, 'close');
    },
  };
}

/** An event-stream request in progress: the response head, its events one by one, and a way to leave. */
export interface EventClient {
  response: Response;
  /** The next event, or `undefined` once the body has ended. */
  next(): Promise<ParsedEvent | undefined>;
  /** Reads every remaining event until the server ends the body. */
  rest(): Promise<ParsedEvent[]>;
  /** Leaves: aborts the request and closes the connection. */
  leave(): void;
}

export async function connect(url: string, headers: Record<string, string> = {}): Promise<EventClient> {
  const controller = new AbortController();
  const response = await fetch(url, { headers, signal: controller.signal });
  const events = parseEventStream(response.body!);
  const next = async () => {
    const result = await events.next();
    return result.done ? undefined : result.value;
  };
  return {
    response,
    next,
    async rest() {
      const all: ParsedEvent[] = [];
      for (let event = await next(); event; event = await next()) all.push(event);
      return all;
    },
    leave: () => controller.abort(),
  };
}
