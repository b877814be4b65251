import { type Channel, type ChannelMonitor, createChannel, type SSEStream } from '@ssekit/core';

/** The three adapters the demo serves the same channel through; each owns the path prefix `/<name>`. */
export const FRAMEWORKS = ['express', 'koa', 'hono'] as const;
export type Framework = (typeof FRAMEWORKS)[number];

/** What the channel carries: `tick` events (named, JSON) and broadcasts (unnamed `message` events, plain text). */
export interface DemoEvents extends Record<string, unknown> {
  tick: string;
  message: string;
}

/** One event as the server sent it, to compare with what a browser received. */
export interface SentEvent {
  id: string;
  /** `'tick'`, or `'message'` for a broadcast (sent without an `event:` field). */
  event: 'tick' | 'message';
  /** The data exactly as handed to the channel. */
  data: string;
}

/** One event-stream request, as the server saw it. */
export interface ConnectionRecord {
  framework: Framework;
  client: string;
  /** `GET` for the page's native `EventSource`, `POST` for its client mode (`@ssekit/client`). */
  method: string;
  /** The `Last-Event-ID` request header as it arrived, or `undefined` when the browser sent none. */
  lastEventIdHeader: string | undefined;
  /** When the stream opened (ms since epoch). */
  openedAt: number;
  /** When it closed, and why; absent while it is open. */
  closedAt?: number;
  closeReason?: string;
}

/** Longest broadcast accepted, in UTF-16 code units: the feed is for short notes, not uploads. */
export const MAX_BROADCAST_LENGTH = 2000;
/** How many sent events and connection records are kept for inspection (the channel's history is 500). */
const KEEP = 1000;
/** Client ids are chosen by the page; anything else is replaced so it cannot reach the log verbatim. */
const CLIENT_ID = /^[A-Za-z0-9_-]{1,64}$/;

/**
 * The outcome of a broadcast request, which each adapter turns into its own response: 400 for text
 * the demo refuses, 503 when a shared channel's Redis did not take the event.
 */
export type BroadcastResult = { ok: true; id: string } | { ok: false; status: 400 | 503; error: string };

/** Options of `new Hub`. */
export interface HubOptions {
  /** The channel the three apps share. Default: in memory, this process only, with a 500-event history. */
  channel?: Channel<DemoEvents>;
  /** Told what the default channel does, for `/metrics`. Default: none. */
  monitor?: ChannelMonitor;
}

/**
 * The state the three framework apps share: one channel (with a history, so any client can resume
 * by Last-Event-ID through any adapter), the ticker, the open streams by client id (so `drop` can
 * find one), and records of what was sent and who connected.
 */
export class Hub {
  readonly channel: Channel<DemoEvents>;
  /** Every event this instance sent, oldest first (the newest `KEEP`). With a shared channel, other instances' events are not here. */
  readonly sent: SentEvent[] = [];
  /** Every event-stream request, oldest first (the newest `KEEP`). */
  readonly connections: ConnectionRecord[] = [];
  private readonly streams = new Map<string, SSEStream>();
  private ticker: ReturnType<typeof setInterval> | undefined;
  private ticks = 0;
  private tickFailing = false;

  constructor(
    private readonly log: (line: string) => void,
    options: HubOptions = {},
  ) {
    this.channel = options.channel ?? createChannel<DemoEvents>({ history: 500, monitor: options.monitor });
  }

  /**
   * Starts sending a `tick` event every `intervalMs`; its data is `{"n":<count>,"at":<ms since epoch>}`.
   *
   * @param instance this instance's name, given when several instances share the channel: ticks then
   *   carry it as `"instance"`, so a page can tell this instance's ticks from another's
   */
  startTicker(intervalMs: number, instance?: string): void {
    this.ticker ??= setInterval(() => {
      const tick = { n: ++this.ticks, at: Date.now(), instance };
      this.publish('tick', JSON.stringify(tick)).then(
        () => {
          if (this.tickFailing) this.log('ticks are published again');
          this.tickFailing = false;
        },
        (error: unknown) => {
          // A shared channel rejects while Redis is away; say so once, not every second.
          if (!this.tickFailing) this.log(`tick ${tick.n} not published: ${messageOf(error)}`);
          this.tickFailing = true;
        },
      );
    }, intervalMs);
  }

  stopTicker(): void {
    clearInterval(this.ticker);
    this.ticker = undefined;
  }

  /**
   * Adds a freshly opened stream to the channel. A reconnecting stream first gets every event it
   * missed (the channel reads its Last-Event-ID), then the live ones.
   *
   * @param rawClient the page's `client` query parameter; an invalid one is replaced by a random id
   * @param lastEventIdHeader the `Last-Event-ID` header as the framework read it, recorded for the tests
   * @param method the request's method: `GET` from an `EventSource`, `POST` from the page's client mode
   */
  connect(
    framework: Framework,
    rawClient: unknown,
    lastEventIdHeader: string | undefined,
    stream: SSEStream,
    method: string,
  ) {
    const client =
      typeof rawClient === 'string' && CLIENT_ID.test(rawClient)
        ? rawClient
        : `anon-${Math.random().toString(36).slice(2, 10)}`;
    const record: ConnectionRecord = {
      framework,
      client,
      method,
      lastEventIdHeader,
      openedAt: Date.now(),
    };
    keep(this.connections, record);
    this.streams.set(client, stream);
    this.channel.add(stream);
    this.log(
      `connect    ${framework.padEnd(7)} client=${client}${method === 'GET' ? '' : ` ${method}`} last-event-id=${lastEventIdHeader ?? '(none)'} · ${this.channel.size} open`,
    );
    stream.onClose(() => {
      // A newer stream of the same client (a reconnect racing this close) keeps its entry.
      if (this.streams.get(client) === stream) this.streams.delete(client);
      record.closedAt = Date.now();
      record.closeReason = stream.closeReason;
      const seconds = ((record.closedAt - record.openedAt) / 1000).toFixed(1);
      this.log(
        `disconnect ${framework.padEnd(7)} client=${client} by ${stream.closeReason} after ${seconds}s · ${this.channel.size} open`,
      );
    });
  }

  /**
   * Ends the stream of one client from the server side, as a crash or a load balancer would. The
   * browser reconnects after the `retry` hint and resumes by Last-Event-ID. Returns whether that
   * client had an open stream.
   */
  drop(client: unknown): boolean {
    const stream = typeof client === 'string' ? this.streams.get(client) : undefined;
    stream?.close();
    return stream !== undefined;
  }

  /**
   * Sends `text` to every member as an unnamed event; empty or oversized text is refused. With a
   * shared channel, a send Redis did not acknowledge is reported, not retried: it was not published.
   */
  async broadcast(text: unknown): Promise<BroadcastResult> {
    if (typeof text !== 'string' || text.length === 0) {
      return { ok: false, status: 400, error: 'Send the message as a non-empty text/plain body.' };
    }
    if (text.length > MAX_BROADCAST_LENGTH) {
      return {
        ok: false,
        status: 400,
        error: `A message may be at most ${MAX_BROADCAST_LENGTH} characters long.`,
      };
    }
    try {
      return { ok: true, id: await this.publish('message', text) };
    } catch (error) {
      return { ok: false, status: 503, error: `Not sent: ${messageOf(error)}` };
    }
  }

  /** Drains the channel: the last `retry` hint goes out, then streams close spread over `over` ms. */
  async close(options: { retry: number; over: number }): Promise<void> {
    this.stopTicker();
    await this.channel.close(options);
  }

  private async publish(event: SentEvent['event'], data: string): Promise<string> {
    // The history assigns the id; `send` resolves with it once the event is out.
    const id = (
      event === 'tick' ? await this.channel.send(data, { event }) : await this.channel.send(data)
    ) as string;
    keep(this.sent, { id, event, data });
    return id;
  }
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function keep<T>(list: T[], item: T): void {
  list.push(item);
  if (list.length > KEEP) list.splice(0, list.length - KEEP);
}
