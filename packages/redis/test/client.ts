// An SSE client over real HTTP (fetch), parsed by core's spec parser, that records what it receives.
import { type ParsedEvent, parseEventStream } from '@ssekit/core';

export interface SSEClient {
  /** Every event received so far, in order. */
  readonly events: ParsedEvent[];
  /** Whether the response body has ended (the server closed the stream). */
  readonly ended: boolean;
  /** Data of the events received, optionally only those of one type. */
  data(type?: string): string[];
  /** Resolves once `predicate` holds for the events received; rejects after `timeoutMs`. */
  waitFor(predicate: (events: readonly ParsedEvent[]) => boolean, timeoutMs?: number): Promise<void>;
  /** Disconnects. */
  close(): Promise<void>;
}

/** Opens `url` as an event stream, with a Last-Event-ID header if given; resolves once the headers arrived. */
export async function connect(url: string, lastEventId?: string): Promise<SSEClient> {
  const abort = new AbortController();
  const headers: Record<string, string> = { accept: 'text/event-stream' };
  if (lastEventId !== undefined) headers['last-event-id'] = lastEventId;
  const response = await fetch(url, { headers, signal: abort.signal });
  if (response.status !== 200 || !response.body) throw new Error(`GET ${url} answered ${response.status}`);
  const events: ParsedEvent[] = [];
  let ended = false;
  let notify: (() => void) | undefined;
  const reading = (async () => {
    try {
      for await (const event of parseEventStream(response.body as ReadableStream<Uint8Array>)) {
        events.push(event);
        notify?.();
      }
    } catch {
      // Aborted by close(), or the connection was cut: either way the stream has ended.
    } finally {
      ended = true;
      notify?.();
    }
  })();

  return {
    events,
    get ended() {
      return ended;
    },
    data: (type) =>
      events.filter((event) => type === undefined || event.type === type).map((event) => event.data),
    waitFor(predicate, timeoutMs = 5_000) {
      if (predicate(events)) return Promise.resolve();
      return new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => {
          notify = undefined;
          reject(new Error(`timed out after ${timeoutMs} ms with ${events.length} events`));
        }, timeoutMs);
        notify = () => {
          if (!predicate(events)) return;
          clearTimeout(timer);
          notify = undefined;
          resolve();
        };
      });
    },
    async close() {
      abort.abort();
      await reading;
    },
  };
}
