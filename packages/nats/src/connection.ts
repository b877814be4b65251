import { type JetStreamClient, type JetStreamManager, jetstream, jetstreamManager } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import type { ResolvedNatsOptions } from './options.js';

/** A live connection and the JetStream APIs on it. */
export interface JetStreamLink {
  readonly nc: NatsConnection;
  readonly js: JetStreamClient;
  readonly jsm: JetStreamManager;
}

/** 50 ms doubling up to `max`, plus up to 50 ms of jitter so instances do not retry in step. */
export function backoff(attempt: number, max: number): number {
  return Math.min(50 * 2 ** Math.min(attempt - 1, 16), max) + Math.floor(Math.random() * 50);
}

/**
 * The one NATS connection of a channel: opened with retries (which `close` cancels), reconnecting
 * with backoff for as long as it lives, and telling whether it is connected right now, so that a
 * send while NATS is away rejects at once instead of waiting in the client's reconnect buffer
 * (from which it could be published long after the caller was told it failed).
 */
export class Connection {
  private link: JetStreamLink | undefined;
  private connected = false;
  private closed = false;
  /** Called when the connection comes up or is closed, and to end a pause early. */
  private readonly waiting = new Set<() => void>();
  private readonly opened: Promise<void>;

  constructor(private readonly options: ResolvedNatsOptions) {
    this.opened = this.open();
  }

  /** The link if connected now, else `undefined`. */
  current(): JetStreamLink | undefined {
    return this.connected ? this.link : undefined;
  }

  /** Resolves with the link once connected, or `undefined` once closed. */
  whenConnected(): Promise<JetStreamLink | undefined> {
    const now = this.current();
    if (now || this.closed) return Promise.resolve(now);
    return new Promise((resolve) => {
      const done = () => {
        this.waiting.delete(done);
        resolve(this.current());
      };
      this.waiting.add(done);
    });
  }

  /** Closes the connection (or stops opening it) and resolves once it is closed. Idempotent. */
  async close(): Promise<void> {
    this.closed = true;
    this.connected = false;
    this.wake();
    await this.opened;
    await this.link?.nc.close().catch(() => {});
  }

  private async open(): Promise<void> {
    const { nats, stream, commandTimeout, maxRetryDelay, report } = this.options;
    let attempt = 0;
    const nextDelay = () => backoff(++attempt, maxRetryDelay);
    while (!this.closed) {
      try {
        const nc = await connect({
          name: `ssekit:${stream}`,
          timeout: commandTimeout,
          ...nats,
          // What the guarantees rest on: reconnect for as long as the channel lives.
          reconnect: true,
          maxReconnectAttempts: -1,
          waitOnFirstConnect: false,
          reconnectDelayHandler: nextDelay,
        });
        if (this.closed) {
          await nc.close();
          return;
        }
        const apiOptions = { timeout: commandTimeout, checkAPI: false };
        this.link = { nc, js: jetstream(nc, apiOptions), jsm: await jetstreamManager(nc, apiOptions) };
        this.connected = true;
        attempt = 0;
        void this.watch(nc, () => {
          attempt = 0;
        });
        this.wake();
        return;
      } catch (error) {
        report(error);
        await this.pause(nextDelay());
      }
    }
  }

  /** Follows the connection's status until it is closed. */
  private async watch(nc: NatsConnection, onReconnect: () => void): Promise<void> {
    for await (const status of nc.status()) {
      if (status.type === 'disconnect') this.connected = false;
      else if (status.type === 'reconnect') {
        onReconnect();
        this.connected = !this.closed;
        this.wake();
      } else if (status.type === 'error') this.options.report(status.error);
    }
    this.connected = false;
    this.wake();
  }

  private wake(): void {
    for (const done of [...this.waiting]) done();
  }

  /** Waits `ms`, or less if the connection is closed meanwhile. */
  private pause(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.waiting.delete(done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.waiting.add(done);
    });
  }
}
