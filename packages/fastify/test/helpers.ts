import { type ParsedEvent, parseEventStream } from '@ssekit/core';
import type { FastifyInstance } from 'fastify';

/** A Fastify app listening on 127.0.0.1 and a free port. */
export interface TestServer {
  url: string;
  /** Closes the app, cutting every connection still open. */
  close(): Promise<void>;
  /** Runs `drain`, then `app.close()`, which cuts no connection; resolves once it has closed. */
  shutdown(): Promise<void>;
}

export async function listen(
  app: FastifyInstance,
  drain: () => Promise<void> = async () => {},
): Promise<TestServer> {
  const url = await app.listen({ port: 0, host: '127.0.0.1' });
  return {
    url,
    close: async () => {
      app.server.closeAllConnections();
      await app.close();
    },
    shutdown: async () => {
      await drain();
      await app.close();
    },
  };
}

/** A client reading an event stream with `fetch` and our parser, one event at a time. */
export interface EventClient {
  response: Response;
  /** The next event, or `undefined` once the body has ended. */
  next(): Promise<ParsedEvent | undefined>;
  /** Leaves: aborts the request and drops the connection. */
  leave(): void;
}

export async function connect(url: string, headers: Record<string, string> = {}): Promise<EventClient> {
  const controller = new AbortController();
  const response = await fetch(url, { headers, signal: controller.signal });
  if (!response.body) throw new Error(`no body from ${url}`);
  const events = parseEventStream(response.body);
  return {
    response,
    next: async () => {
      try {
        const result = await events.next();
        return result.done ? undefined : result.value;
      } catch (error) {
        // A connection dropped by the server (rather than ended) is an end of events too.
        if (controller.signal.aborted || (error as Error).name === 'TypeError') return undefined;
        throw error;
      }
    },
    leave: () => controller.abort(),
  };
}

/** One line of Fastify's (pino's) log. */
export interface LogEntry {
  level: number;
  msg?: string;
  err?: { type?: string; message?: string; code?: string };
}

/** pino's level of `warn`: entries at or above it are what an operator would be paged for. */
export const WARN = 40;

/** Fastify logger options that collect every entry, parsed, into `entries`. */
export function recordingLogger(): {
  entries: LogEntry[];
  logger: { level: string; stream: { write(line: string): void } };
} {
  const entries: LogEntry[] = [];
  return {
    entries,
    logger: { level: 'info', stream: { write: (line) => void entries.push(JSON.parse(line) as LogEntry) } },
  };
}
