import { connect, type Socket } from 'node:net';
import { createParser, type ParsedEvent } from '@ssekit/core';
import { track } from './cleanup.js';
import type { RunningServer } from './harness.js';
import { waitForCheck } from './wait-for.js';

/**
 * An event stream read over a raw TCP socket: far lighter than `fetch` when a test holds a thousand
 * clients, and it can stop reading (a slow client) or tell when the response ended.
 */
export interface RawEventClient {
  readonly socket: Socket;
  /** Events dispatched so far, in arrival order. */
  readonly events: ParsedEvent[];
  /** `retry` values read so far. */
  readonly retries: number[];
  /** `Date.now()` when the response body ended (last chunk, or the connection closed), if it has. */
  readonly endedAt: number | undefined;
  /** Resolves once `check()` holds; fails if the response ends first or after `timeoutMs`. */
  waitFor(check: () => boolean, what: string, timeoutMs?: number): Promise<void>;
  /** Resolves with `endedAt` once the response has ended; fails after `timeoutMs`. */
  waitForEnd(timeoutMs?: number): Promise<number>;
  /** Closes the connection (the client leaves). */
  close(): Promise<void>;
}

/** Turns a chunked HTTP/1.1 body back into its bytes; `onEnd` runs at the terminating chunk. */
function chunkedDecoder(onData: (bytes: Buffer) => void, onEnd: () => void): (bytes: Buffer) => void {
  let pending: Buffer = Buffer.alloc(0);
  let remaining = 0; // bytes left in the current chunk; -1 while its trailing CRLF is awaited
  let finished = false;
  return (bytes) => {
    pending = pending.length === 0 ? bytes : Buffer.concat([pending, bytes]);
    while (!finished && pending.length > 0) {
      if (remaining > 0) {
        const take = Math.min(remaining, pending.length);
        onData(pending.subarray(0, take));
        pending = pending.subarray(take);
        remaining -= take;
        if (remaining === 0) remaining = -1;
      } else if (remaining === -1) {
        if (pending.length < 2) return;
        pending = pending.subarray(2);
        remaining = 0;
      } else {
        const lineEnd = pending.indexOf('\r\n');
        if (lineEnd === -1) return;
        const size = Number.parseInt(pending.subarray(0, lineEnd).toString('latin1'), 16);
        pending = pending.subarray(lineEnd + 2);
        if (size === 0) {
          finished = true;
          onEnd();
        } else {
          remaining = size;
        }
      }
    }
  };
}

/**
 * Sends `GET path` over a new connection and parses the event stream it answers with. Resolves once
 * the response head has arrived (fails if it is not 200). `track: false` leaves closing to the
 * caller instead of the suite's after-each cleanup (a crowd shared by several tests).
 */
export function openRawEvents(
  server: RunningServer,
  path: string,
  { headers = {}, track: tracked = true }: { headers?: Record<string, string>; track?: boolean } = {},
  timeoutMs = 5000,
): Promise<RawEventClient> {
  const { hostname, port } = new URL(server.url);
  const socket = connect(Number(port), hostname);
  // A reset by the server (a dropped slow client) is an outcome the test checks, not a crash.
  socket.on('error', () => {});
  const close = async () => {
    socket.destroy();
  };
  if (tracked) track(close);

  const events: ParsedEvent[] = [];
  const retries: number[] = [];
  const parser = createParser({ onEvent: (event) => events.push(event), onRetry: (ms) => retries.push(ms) });
  const decoder = new TextDecoder();
  let endedAt: number | undefined;
  const watchers = new Set<() => void>();
  const notify = () => {
    for (const watcher of watchers) watcher();
  };
  const end = () => {
    if (endedAt !== undefined) return;
    parser.feed(decoder.decode());
    parser.end();
    endedAt = Date.now();
    notify();
  };
  const body = (bytes: Buffer) => {
    parser.feed(decoder.decode(bytes, { stream: true }));
    notify();
  };

  let feed: ((bytes: Buffer) => void) | undefined;
  let head: Buffer = Buffer.alloc(0);
  const client: RawEventClient = {
    socket,
    events,
    retries,
    get endedAt() {
      return endedAt;
    },
    waitFor(check, what, waitMs = 5000) {
      return waitForCheck(watchers, {
        check,
        ended: () => endedAt !== undefined,
        what,
        waitMs,
        describeRead: () => `last events: ${JSON.stringify(events.slice(-5)).slice(0, 400)}`,
      });
    },
    waitForEnd(waitMs = 5000) {
      return new Promise<number>((resolve, reject) => {
        const finish = () => {
          clearTimeout(timeout);
          watchers.delete(watch);
          if (endedAt === undefined) reject(new Error(`the stream did not end within ${waitMs} ms`));
          else resolve(endedAt);
        };
        const watch = () => {
          if (endedAt !== undefined) finish();
        };
        const timeout = setTimeout(finish, waitMs);
        watchers.add(watch);
        watch();
      });
    },
    close,
  };

  return new Promise<RawEventClient>((resolve, reject) => {
    const timeout = setTimeout(
      () => fail(new Error(`no response head from ${path} within ${timeoutMs} ms`)),
      timeoutMs,
    );
    const fail = (error: Error) => {
      clearTimeout(timeout);
      socket.destroy();
      reject(error);
    };
    socket.once('connect', () => {
      const extra = Object.entries(headers)
        .map(([name, value]) => `${name}: ${value}\r\n`)
        .join('');
      socket.write(
        `GET ${path} HTTP/1.1\r\nHost: ${hostname}:${port}\r\nAccept: text/event-stream\r\n${extra}\r\n`,
      );
    });
    socket.on('close', () => {
      end();
      if (!feed) fail(new Error(`${path}: the connection closed before a response head`));
    });
    socket.on('data', (bytes: Buffer) => {
      if (feed) return feed(bytes);
      head = Buffer.concat([head, bytes]);
      const headEnd = head.indexOf('\r\n\r\n');
      if (headEnd === -1) return;
      const text = head.subarray(0, headEnd).toString('latin1');
      if (!/^HTTP\/1\.1 200 /.test(text))
        return fail(new Error(`${path} answered: ${text.split('\r\n')[0]}`));
      feed = /^transfer-encoding:\s*chunked\s*$/im.test(text) ? chunkedDecoder(body, end) : body;
      clearTimeout(timeout);
      resolve(client);
      const rest = head.subarray(headEnd + 4);
      if (rest.length > 0) feed(rest);
    });
  });
}
