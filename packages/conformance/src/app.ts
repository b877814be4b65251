/**
 * The conformance app: the routes every adapter mounts, and the state its tests read back through
 * `GET /state`. Web-standard APIs only, so a Bun or Deno child process runs it unchanged.
 */
import {
  type Channel,
  type ChannelStats,
  createChannel,
  type DrainableStreams,
  type DrainOptions,
  heartbeatStats,
  type SendOptions,
  type SSEStream,
} from '@ssekit/core';
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
 * Sent in this order, so the ids build on each other: an event without id keeps the last one (§9.2.6)
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
    title: 'unicode, including characters that are not line breaks (§9.2.5)',
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

/** The `maxBufferedBytes` of `/sse/paced`: below every transport's own high-water mark. */
export const PACED_MAX_BUFFERED_BYTES = 8 * 1024;
/** Events `/sse/paced` sends, 1 KiB each, awaiting every `send`: far more than its bound. */
export const PACED_EVENTS = 100;
const PACED_PAYLOAD = 'x'.repeat(1024);

/** History size of a channel the routes create, unless the first request names one (`?history=`). */
export const CHANNEL_HISTORY = 200;
/**
 * The `maxBufferedBytes` of `/sse/channel-slow`: small enough that a member that stops reading is
 * dropped within a short flood, large enough to hold several events of it.
 */
export const CHANNEL_SLOW_MAX_BUFFERED_BYTES = 256 * 1024;
/** Bytes of data in each `/sse/channel-flood` event. */
export const CHANNEL_FLOOD_EVENT_BYTES = 1024;
// Bound the flood if a broken core never drops the slow member; the history must hold them all.
const CHANNEL_FLOOD_MAX_EVENTS = 30_000;
const CHANNEL_FLOOD_MAX_MS = 8000;
const CHANNEL_FLOOD_BURST = 16;
/** Most broadcasts one `/sse/channel-send` request makes, so a typo cannot run away. */
const CHANNEL_SEND_MAX = 5000;
/** The last event and `retry` every member gets from `/sse/channel-drain`. */
export const DRAIN_EVENT = { event: 'drain', data: 'bye' } as const;
export const DRAIN_RETRY_MS = 3000;

/**
 * How `RunningServer.shutdown` drains the app: a last event, a retry hint long enough to tell that
 * the client waited for it, and closes spread over half a second.
 */
export const SHUTDOWN_DRAIN = {
  event: { event: 'shutdown', data: 'restarting' },
  retry: 400,
  over: 500,
} as const satisfies DrainOptions;

/** What `GET /state` reports per channel: its stats and how often its serializer ran. */
export type ChannelState = ChannelStats & { serializerCalls: number };

/** What `/sse/channel-send` and `/sse/channel-flood` answer on their own stream once done. */
export interface SentReport {
  /** Ids of the broadcasts, in order (`/sse/channel-send` only). */
  ids: string[];
  count: number;
  firstId: string | null;
  lastId: string | null;
  /** Members the channel dropped as slow while the route ran. */
  dropped: number;
}

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
  /** Every channel the routes created, by name. */
  channels: Record<string, ChannelState>;
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

  /** Sends `PACED_EVENTS` events as fast as awaiting each `send` allows, then closes. */
  async function paced(stream: SSEStream): Promise<void> {
    for (let i = 0; i < PACED_EVENTS && !stream.closed; i++) await stream.send(`${i}:${PACED_PAYLOAD}`);
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

  const channels = new Map<string, { channel: Channel; serializerCalls: number }>();

  /** The channel named `name`, created on first use with the request's `?history=` size. */
  function channelFor(name: string, params: URLSearchParams): Channel {
    let entry = channels.get(name);
    if (!entry) {
      const created = { serializerCalls: 0 } as { channel: Channel; serializerCalls: number };
      created.channel = createChannel({
        history: { size: Number(params.get('history') ?? CHANNEL_HISTORY) },
        // Counted, so a test can see that a broadcast is serialized once, not once per member.
        serializer: (data) => {
          created.serializerCalls++;
          return JSON.stringify(data);
        },
      });
      entry = created;
      channels.set(name, entry);
    }
    return entry.channel;
  }

  /** Joins every `?name=` channel; `?only=<type>` keeps just events of that type. */
  function joinChannels(stream: SSEStream, request: ScenarioRequest): void {
    const params = searchParams(request);
    const only = params.get('only');
    const filter = only === null ? undefined : (message: { event?: string }) => message.event === only;
    for (const name of params.getAll('name')) channelFor(name, params).add(stream, { filter });
  }

  /**
   * Broadcasts `?count=` events to channel `?name=` (data: their index as a string, or `{ n }` with
   * `?data=object`; types cycled from `?events=a,b`), `?interval=` ms apart or all at once, then
   * answers with a `sent` event holding their ids and closes. Stops early if its client leaves.
   */
  async function sendToChannel(stream: SSEStream, request: ScenarioRequest): Promise<void> {
    const params = searchParams(request);
    const channel = channelFor(params.get('name') ?? '', params);
    const count = Math.min(Number(params.get('count') ?? 1), CHANNEL_SEND_MAX);
    const types = params.get('events')?.split(',');
    const interval = Number(params.get('interval') ?? 0);
    const ids: string[] = [];
    for (let n = 0; n < count && !stream.closed; n++) {
      if (n > 0 && interval > 0) await new Promise((resolve) => setTimeout(resolve, interval));
      const data = params.get('data') === 'object' ? { n } : String(n);
      const id = await channel.send(data, { event: types?.[n % types.length] });
      ids.push(id as string);
    }
    const report: SentReport = {
      ids,
      count: ids.length,
      firstId: ids[0] ?? null,
      lastId: ids.at(-1) ?? null,
      dropped: channel.stats.droppedSlow,
    };
    await stream.send(report, { event: 'sent' });
    stream.close();
  }

  /**
   * Broadcasts 1 KiB events to channel `?name=` without waiting for anyone (a ticker, a feed) until
   * the channel has dropped a slow member, plus `?after=` events more, then reports like
   * `/sse/channel-send` (without the ids).
   */
  async function floodChannel(stream: SSEStream, request: ScenarioRequest): Promise<void> {
    const params = searchParams(request);
    const channel = channelFor(params.get('name') ?? '', params);
    const droppedBefore = channel.stats.droppedSlow;
    // Counts down from the broadcast that made the channel drop a member.
    let after = Number(params.get('after') ?? 0) + 1;
    let firstId: string | null = null;
    let lastId: string | null = null;
    let count = 0;
    const deadline = Date.now() + CHANNEL_FLOOD_MAX_MS;
    const payload = 'x'.repeat(CHANNEL_FLOOD_EVENT_BYTES);
    while (!stream.closed && after > 0 && count < CHANNEL_FLOOD_MAX_EVENTS && Date.now() < deadline) {
      for (let i = 0; i < CHANNEL_FLOOD_BURST && after > 0; i++) {
        lastId = (await channel.send(payload)) as string;
        firstId ??= lastId;
        count++;
        if (channel.stats.droppedSlow > droppedBefore) after--;
      }
      // Yields to the event loop so the connections can take what their clients read.
      await new Promise((resolve) => setTimeout(resolve, 1));
    }
    const dropped = channel.stats.droppedSlow - droppedBefore;
    await stream.send({ ids: [], count, firstId, lastId, dropped } satisfies SentReport, { event: 'sent' });
    stream.close();
  }

  /** Drains channel `?name=` over `?over=` ms, then answers `drained` and closes. */
  async function drainChannel(stream: SSEStream, request: ScenarioRequest): Promise<void> {
    const params = searchParams(request);
    const channel = channelFor(params.get('name') ?? '', params);
    await channel.close({ event: DRAIN_EVENT, retry: DRAIN_RETRY_MS, over: Number(params.get('over') ?? 0) });
    await stream.send('', { event: 'drained' });
    stream.close();
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
    {
      path: '/sse/paced',
      options: { heartbeat: false, maxBufferedBytes: PACED_MAX_BUFFERED_BYTES },
      handle: paced,
    },
    { path: '/sse/bad-input', options: { heartbeat: false }, handle: sendBadInput },
    // `?mode=sync` throws from the handler; `?mode=async` rejects after a timer.
    { path: '/sse/throws', options: { heartbeat: false }, handle: fail },
    // `?name=` (repeatable) joins channels; `?only=<type>` filters; `?history=` sizes a new channel.
    { path: '/sse/channel', options: { heartbeat: false }, handle: joinChannels },
    // The same, with a small buffer bound so a member that stops reading is dropped quickly.
    {
      path: '/sse/channel-slow',
      options: { heartbeat: false, maxBufferedBytes: CHANNEL_SLOW_MAX_BUFFERED_BYTES },
      handle: joinChannels,
    },
    // Control routes: the harness contract mounts only event-stream routes, so actions are streams
    // that act, report what they did as one event, and close.
    { path: '/sse/channel-send', options: { heartbeat: false }, handle: sendToChannel },
    { path: '/sse/channel-flood', options: { heartbeat: false }, handle: floodChannel },
    { path: '/sse/channel-drain', options: { heartbeat: false }, handle: drainChannel },
  ];

  const drainables: DrainableStreams[] = [];

  return {
    routes,
    addDrainable: (streams) => {
      drainables.push(streams);
    },
    drain: async (options) => {
      await Promise.all(drainables.map((streams) => streams.close(options)));
    },
    state: (): ConformanceState => ({
      records: Object.fromEntries(records),
      errors,
      heartbeat: heartbeatStats(),
      channels: Object.fromEntries(
        [...channels].map(([name, { channel, serializerCalls }]) => [
          name,
          { ...channel.stats, serializerCalls },
        ]),
      ),
    }),
    onError(error) {
      const { name, message } =
        error instanceof Error ? error : { name: typeof error, message: String(error) };
      errors.push({ name, message });
    },
  };
}
