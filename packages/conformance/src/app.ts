/**
 * The conformance app: the routes every adapter mounts, and the state its tests read back through
 * `GET /state`. Web-standard APIs only, so a Bun or Deno child process runs it unchanged.
 */
import { heartbeatStats, type SendOptions, type SSEStream } from '@ssekit/core';
import type { ConformanceApp, ScenarioRequest, ScenarioRoute } from './harness.js';

/** One event of `/sse/messages`: what the route sends and what a conforming client dispatches. */
export interface MessageCase {
  /** What the case shows, for the test name. */
  title: string;
  data: unknown;
  options?: SendOptions;
  expected: { type: string; data: string; lastEventId: string };
}

/**
 * Sent in this order, so the ids build on each other: an event without id keeps the last one (S7)
 * and an empty id resets it.
 */
export const messageCases: MessageCase[] = [
  { title: 'data only', data: 'hello', expected: { type: 'message', data: 'hello', lastEventId: '' } },
  {
    title: 'a named event',
    data: 'hi',
    options: { event: 'greeting' },
    expected: { type: 'greeting', data: 'hi', lastEventId: '' },
  },
  {
    title: 'a JSON object',
    data: { n: 1, list: [true, null], text: 'a "quoted"\nline' },
    expected: {
      type: 'message',
      data: '{"n":1,"list":[true,null],"text":"a \\"quoted\\"\\nline"}',
      lastEventId: '',
    },
  },
  { title: 'an empty string', data: '', expected: { type: 'message', data: '', lastEventId: '' } },
  {
    title: 'unicode, including characters that are not line breaks (S11)',
    data: 'héllo — 😀 日本 \u2028\u2029\u0085\v\f\uFEFF end',
    expected: { type: 'message', data: 'héllo — 😀 日本 \u2028\u2029\u0085\v\f\uFEFF end', lastEventId: '' },
  },
  {
    title: 'data with LF, CR and CRLF line breaks',
    data: 'a\nb\rc\r\nd\n\re',
    expected: { type: 'message', data: 'a\nb\nc\nd\n\ne', lastEventId: '' },
  },
  {
    title: 'blank lines and a trailing newline',
    data: '\nmiddle\n\nend\n',
    expected: { type: 'message', data: '\nmiddle\n\nend\n', lastEventId: '' },
  },
  {
    title: 'a value that starts with a space and holds colons',
    data: ' lead: a:b',
    expected: { type: 'message', data: ' lead: a:b', lastEventId: '' },
  },
  {
    title: 'event, data, id and retry together',
    data: 'all',
    options: { event: 'update', id: '42', retry: 1500 },
    expected: { type: 'update', data: 'all', lastEventId: '42' },
  },
  {
    title: 'an event without id, which keeps the last id',
    data: 'after',
    expected: { type: 'message', data: 'after', lastEventId: '42' },
  },
  {
    title: 'id "0"',
    data: 'zero',
    options: { id: '0' },
    expected: { type: 'message', data: 'zero', lastEventId: '0' },
  },
  {
    title: 'an empty id, which resets the last id',
    data: 'reset',
    options: { id: '' },
    expected: { type: 'message', data: 'reset', lastEventId: '' },
  },
];

/** The `retry` option of `/sse/messages`, written when the stream opens. */
export const MESSAGES_RETRY_MS = 2500;
/** The comment `/sse/messages` writes after its events; each line must arrive as its own comment. */
export const MESSAGES_COMMENT = 'first line\nsecond line';

/** Heartbeat interval of `/sse/heartbeat`. */
export const HEARTBEAT_MS = 200;

/** The id `/sse/reconnect` gives its first event before dropping the connection. */
export const RECONNECT_ID = 'r-1';
/** The `retry` of `/sse/reconnect`, short so the client comes back quickly. */
export const RECONNECT_RETRY_MS = 50;

/** The `maxBufferedBytes` of `/sse/slow`. */
export const SLOW_MAX_BUFFERED_BYTES = 64 * 1024;
/** Bytes on the wire of each `/sse/slow` event (`data: ` + payload + blank line). */
export const SLOW_EVENT_BYTES = 1024;
const SLOW_PAYLOAD = 'x'.repeat(SLOW_EVENT_BYTES - 'data: \n\n'.length);
// Loopback kernel buffers take a few MiB before the server's own buffer grows; these bound the
// route if a broken core never drops the client.
const SLOW_MAX_EVENTS = 50_000;
const SLOW_MAX_MS = 6000;
const SLOW_BURST = 16;

/** What `/sse/reconnect` recorded: the `lastEventId` of each connection, `null` for none. */
export interface ReconnectRecord {
  lastEventIds: Array<string | null>;
}

/** What `/sse/disconnect` recorded about its stream. */
export interface DisconnectRecord {
  open: boolean;
  closeReason: string | null;
  /** Whether the signal taken while the stream was open fired `abort`. */
  signalAborted: boolean;
  /** `stream.bufferedBytes` read in the `onClose` listener. */
  bufferedBytes: number | null;
}

/** What `/sse/slow` recorded once it stopped sending. */
export interface SlowClientRecord {
  done: boolean;
  sent: number;
  /** The largest `stream.bufferedBytes` seen after a send. */
  maxBufferedBytes: number;
  closeReason: string | null;
}

/** An error as `onError` received it. */
export interface ReportedError {
  name: string;
  message: string;
}

/** What `GET /state` answers (`ConformanceApp.state()`). */
export type ConformanceState = {
  /** Per-request records, keyed by the request's `id` query parameter. */
  records: Record<string, unknown>;
  errors: ReportedError[];
  /** `heartbeatStats()` of the server process. */
  heartbeat: { streams: number; timers: number };
};

function searchParams(request: ScenarioRequest): URLSearchParams {
  return new URL(request.url, 'http://conformance.invalid').searchParams;
}

function sendMessages(stream: SSEStream): void {
  for (const { data, options } of messageCases) void stream.send(data, options);
  stream.comment(MESSAGES_COMMENT);
  stream.close();
}

function sendLastEventId(stream: SSEStream): void {
  void stream.send({ lastEventId: stream.lastEventId ?? null }, { event: 'last-event-id' });
  stream.close();
}

/** Reports the error a `send` threw, as an event, so the client sees exactly what was refused. */
function refuse(stream: SSEStream, attempt: () => unknown): void {
  try {
    attempt();
  } catch (error) {
    const { name, code, field } = error as { name: string; code?: string; field?: string };
    void stream.send({ name, code: code ?? null, field: field ?? null }, { event: 'refused' });
  }
}

function sendBadInput(stream: SSEStream): void {
  refuse(stream, () => stream.send('injected', { event: 'bad\ndata: injected' }));
  refuse(stream, () => stream.send(10n));
  refuse(stream, () => stream.send('hidden', { id: 'a\0b' }));
  void stream.send('still open', { event: 'ok' });
  stream.close();
}

/**
 * Builds a fresh app. Each route records what a test cannot see from the client into a record keyed
 * by the request's `id` query parameter, so concurrent tests never read each other's records.
 */
export function createConformanceApp(): ConformanceApp {
  const records = new Map<string, unknown>();
  const errors: ReportedError[] = [];

  function record<T>(request: ScenarioRequest, initial: T): T {
    const id = searchParams(request).get('id');
    if (id === null) return initial;
    if (!records.has(id)) records.set(id, initial);
    return records.get(id) as T;
  }

  function reconnect(stream: SSEStream, request: ScenarioRequest): void {
    const seen = record<ReconnectRecord>(request, { lastEventIds: [] });
    seen.lastEventIds.push(stream.lastEventId ?? null);
    if (stream.lastEventId === undefined) {
      void stream.send('first', { id: RECONNECT_ID });
      stream.close();
    } else {
      // Stays open, so the client does not reconnect again before the test closes it.
      void stream.send(stream.lastEventId, { event: 'resumed' });
    }
  }

  function trackDisconnect(stream: SSEStream, request: ScenarioRequest): void {
    const seen = record<DisconnectRecord>(request, {
      open: true,
      closeReason: null,
      signalAborted: false,
      bufferedBytes: null,
    });
    stream.signal.addEventListener('abort', () => {
      seen.signalAborted = true;
    });
    stream.onClose(() => {
      seen.open = false;
      seen.closeReason = stream.closeReason ?? null;
      seen.bufferedBytes = stream.bufferedBytes;
    });
  }

  /**
   * A producer that does not wait for its client (a ticker, a broadcast): awaiting `send` would
   * hold it at the transport's high-water mark and the bound would never be reached. It yields to
   * the event loop between bursts so the connection can take what the client reads.
   */
  async function flood(stream: SSEStream, request: ScenarioRequest): Promise<void> {
    const seen = record<SlowClientRecord>(request, {
      done: false,
      sent: 0,
      maxBufferedBytes: 0,
      closeReason: null,
    });
    const deadline = Date.now() + SLOW_MAX_MS;
    while (!stream.closed && seen.sent < SLOW_MAX_EVENTS && Date.now() < deadline) {
      for (let i = 0; i < SLOW_BURST && !stream.closed; i++) {
        void stream.send(SLOW_PAYLOAD);
        seen.sent++;
        seen.maxBufferedBytes = Math.max(seen.maxBufferedBytes, stream.bufferedBytes);
      }
      await new Promise((resolve) => setTimeout(resolve, 1));
    }
    seen.closeReason = stream.closeReason ?? null;
    seen.done = true;
    stream.close();
  }

  function fail(stream: SSEStream, request: ScenarioRequest): void | Promise<void> {
    const params = searchParams(request);
    const error = new Error(`conformance: the route failed (${params.get('id')})`);
    void stream.send('about to fail');
    if (params.get('mode') !== 'async') throw error;
    return new Promise<void>((resolve) => setTimeout(resolve, 10)).then(() => {
      throw error;
    });
  }

  const routes: ScenarioRoute[] = [
    { path: '/sse/messages', options: { heartbeat: false, retry: MESSAGES_RETRY_MS }, handle: sendMessages },
    // Writes nothing at all until the client leaves.
    { path: '/sse/silent', options: { heartbeat: false }, handle: () => {} },
    { path: '/sse/heartbeat', options: { heartbeat: HEARTBEAT_MS }, handle: () => {} },
    { path: '/sse/last-event-id', options: { heartbeat: false }, handle: sendLastEventId },
    { path: '/sse/reconnect', options: { heartbeat: false, retry: RECONNECT_RETRY_MS }, handle: reconnect },
    // Default heartbeat, so the stream is one the heartbeat scheduler tracks.
    { path: '/sse/disconnect', options: {}, handle: trackDisconnect },
    {
      path: '/sse/slow',
      options: { heartbeat: false, maxBufferedBytes: SLOW_MAX_BUFFERED_BYTES },
      handle: flood,
    },
    { path: '/sse/bad-input', options: { heartbeat: false }, handle: sendBadInput },
    // `?mode=sync` throws from the handler; `?mode=async` rejects after a timer.
    { path: '/sse/throws', options: { heartbeat: false }, handle: fail },
  ];

  return {
    routes,
    state: (): ConformanceState => ({
      records: Object.fromEntries(records),
      errors,
      heartbeat: heartbeatStats(),
    }),
    onError(error) {
      const { name, message } =
        error instanceof Error ? error : { name: typeof error, message: String(error) };
      errors.push({ name, message });
    },
  };
}
