import { createParser, type ParsedEvent } from '@ssekit/core';
import { track } from './cleanup.js';
import { waitForCheck } from './wait-for.js';

/** One thing read from an event stream, in arrival order. */
export type StreamEntry =
  | { kind: 'event'; event: ParsedEvent }
  | { kind: 'comment'; text: string }
  | { kind: 'retry'; ms: number };

/** An event-stream response being read by our own spec-exact parser. */
export interface EventStreamReader {
  readonly response: Response;
  /** Everything read so far, in arrival order. */
  readonly entries: StreamEntry[];
  events(): ParsedEvent[];
  comments(): string[];
  /** Resolves once `check()` holds; fails if the body ends first or after `timeoutMs`. */
  waitFor(check: () => boolean, what: string, timeoutMs?: number): Promise<void>;
  /** Resolves when the body has ended, with the error if it ended abnormally; fails after `timeoutMs`. */
  waitForEnd(timeoutMs?: number): Promise<{ error?: unknown }>;
  /** Aborts the request (the client leaves) and waits until reading has stopped. */
  close(): Promise<void>;
}

/**
 * Requests `url` with `fetch` (a GET unless `method` says otherwise) and reads its body as an
 * event stream. Fails if no response (status and headers) arrives within `timeoutMs`.
 */
export async function openEventStream(
  url: string,
  headers: Record<string, string> = {},
  timeoutMs = 3000,
  method = 'GET',
): Promise<EventStreamReader> {
  const controller = new AbortController();
  const timer = setTimeout(
    () => controller.abort(new Error(`no response from ${url} within ${timeoutMs} ms`)),
    timeoutMs,
  );
  let response: Response;
  try {
    response = await fetch(url, { method, headers, signal: controller.signal });
  } finally {
    clearTimeout(timer);
  }
  const body = response.body;
  if (!body) throw new Error(`${url} answered without a body`);

  const entries: StreamEntry[] = [];
  const parser = createParser({
    onEvent: (event) => entries.push({ kind: 'event', event }),
    onComment: (text) => entries.push({ kind: 'comment', text }),
    onRetry: (ms) => entries.push({ kind: 'retry', ms }),
  });
  const watchers = new Set<() => void>();
  const notify = () => {
    for (const watcher of watchers) watcher();
  };
  let done = false;
  const ended = (async (): Promise<{ error?: unknown }> => {
    // ignoreBOM: the parser strips the one leading BOM itself, as a client's decode step does.
    const decoder = new TextDecoder('utf-8', { ignoreBOM: true });
    try {
      for await (const chunk of body) {
        parser.feed(decoder.decode(chunk, { stream: true }));
        notify();
      }
      parser.feed(decoder.decode());
      parser.end();
      return {};
    } catch (error) {
      return { error };
    } finally {
      done = true;
      notify();
    }
  })();

  const describeRead = () => JSON.stringify(entries).slice(0, 500);
  const close = track(async () => {
    controller.abort();
    await ended;
  });

  return {
    response,
    entries,
    events: () => entries.flatMap((entry) => (entry.kind === 'event' ? [entry.event] : [])),
    comments: () => entries.flatMap((entry) => (entry.kind === 'comment' ? [entry.text] : [])),
    waitFor(check, what, waitMs = 3000) {
      return waitForCheck(watchers, {
        check,
        ended: () => done,
        what,
        waitMs,
        describeRead: () => `read: ${describeRead()}`,
      });
    },
    waitForEnd(waitMs = 3000) {
      let timeout: ReturnType<typeof setTimeout> | undefined;
      const expired = new Promise<never>((_, reject) => {
        timeout = setTimeout(
          () => reject(new Error(`the stream did not end within ${waitMs} ms; read: ${describeRead()}`)),
          waitMs,
        );
      });
      return Promise.race([ended, expired]).finally(() => clearTimeout(timeout));
    },
    close,
  };
}
