import { type ParsedEvent, parseEventStream } from '@ssekit/core';

/** An event-stream request in progress: the response head, its events one by one, and a way to leave. */
export interface EventClient {
  response: Response;
  /** The next event, or `undefined` once the body has ended (or the server dropped the connection). */
  next(): Promise<ParsedEvent | undefined>;
  /** Reads every remaining event until the server ends the body. */
  rest(): Promise<ParsedEvent[]>;
  /** Leaves: aborts the request and drops the connection. */
  leave(): void;
}

/**
 * Requests `url` with `fetch` (a GET unless `method` says otherwise) and reads its body with core's
 * spec parser, one event at a time.
 */
export async function connect(
  url: string,
  headers: Record<string, string> = {},
  method = 'GET',
): Promise<EventClient> {
  const controller = new AbortController();
  const response = await fetch(url, { method, headers, signal: controller.signal });
  if (!response.body) throw new Error(`no body from ${url}`);
  const events = parseEventStream(response.body);
  const next = async () => {
    try {
      const result = await events.next();
      return result.done ? undefined : result.value;
    } catch (error) {
      // A connection dropped by the server (rather than ended) is an end of events too.
      if (controller.signal.aborted || (error as Error).name === 'TypeError') return undefined;
      throw error;
    }
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
