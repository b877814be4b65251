import type {
  CreateResult,
  LogChange,
  LogEntry,
  LogEvent,
  LogPage,
  ResumableLimits,
  ResumableLog,
  TerminalState,
} from '@ssekit/core';
import type { Redis } from 'ioredis';
import { connect, disconnect } from './connection.js';
import { RedisChannelError } from './errors.js';
import {
  type RedisResumableLogOptions,
  type ResolvedLogOptions,
  resolveLogOptions,
} from './resumable-options.js';
import { APPEND, CREATE, FINISH, READ } from './resumable-scripts.js';
import { parseTerminal, Watchers } from './resumable-watch.js';

/** The scripts' replies, RESP2. */
type ReadReply = [
  gen: string,
  end: string,
  first: string,
  last: string,
  deadline: string,
  entries: unknown[],
];

/** The commands this log defines on its connection (ioredis sends them with EVALSHA, falling back to EVAL). */
interface ScriptedRedis extends Redis {
  ssekitCreate(...args: string[]): Promise<[number, string]>;
  ssekitAppend(...args: string[]): Promise<number | null>;
  ssekitFinish(...args: string[]): Promise<number>;
  ssekitRead(...args: string[]): Promise<ReadReply | null>;
}

/**
 * The log of resumable streams on Redis, shared by every instance: a stream started on one
 * instance is read, resumed and cancelled from any other. Pass it where core's resumable API takes
 * a `ResumableLog`; `close()` closes its connections.
 *
 * - Each stream is a small hash (its generation, bounds, limits, deadline and, once ended, its
 *   terminal state) and a Redis Stream of its events with the ids `<sequence>-0`, both under a
 *   `{stream id}` hash tag. Creating, appending (with trimming to `maxEvents` / `maxBytes`),
 *   finishing and reading are each one Lua script, so they are atomic across instances: one
 *   creator wins, no event lands after the end, a reader sees the last event and the end together.
 * - A finished stream's keys expire `ttl` after the end; a stream whose producer's instance died
 *   expires `ttl` after its deadline. An expired stream reads as gone.
 * - Watching is pub/sub: each append and the end publish the new state on the stream's channel,
 *   which this instance subscribes to once per watched stream. A cancel from any instance reaches
 *   the producer's instance in one publish (measured in the package README); after a lost
 *   connection, watchers get the state read anew once it is back.
 * - Values in these keys that this package did not write (another program's) never crash the
 *   process: the call that met them rejects with `ERR_SSE_REDIS_FOREIGN_VALUE`.
 *
 * Calls reject with `RedisChannelError` (`ERR_SSE_REDIS_UNAVAILABLE`) when Redis does not answer
 * within `commandTimeout`; nothing is queued or retried behind the caller's back.
 *
 * @throws SSEFieldError / SSERangeError, synchronously, for an option out of range.
 *
 * @example
 * const log = redisResumableLog({ redis: process.env.REDIS_URL });
 */
export function redisResumableLog(options: RedisResumableLogOptions): ResumableLog {
  return new RedisResumableLog(resolveLogOptions(options));
}

class RedisResumableLog implements ResumableLog {
  private readonly client: ScriptedRedis;
  private readonly subscriber: Redis;
  private readonly watchers: Watchers;
  private closed = false;
  private closing: Promise<void> | undefined;

  constructor(private readonly options: ResolvedLogOptions) {
    const { redis, prefix, commandTimeout, maxRetryDelay, report } = options;
    const client = connect(
      redis,
      { connectionName: 'ssekit:resumable', commandTimeout, socketTimeout: commandTimeout + 1_000 },
      maxRetryDelay,
      report,
    );
    for (const [name, lua] of [
      ['ssekitCreate', CREATE],
      ['ssekitRead', READ],
    ] as const)
      client.defineCommand(name, { numberOfKeys: 2, lua });
    for (const [name, lua] of [
      ['ssekitAppend', APPEND],
      ['ssekitFinish', FINISH],
    ] as const)
      client.defineCommand(name, { numberOfKeys: 3, lua });
    this.client = client as ScriptedRedis;
    this.subscriber = connect(
      redis,
      { connectionName: 'ssekit:resumable:subscriber', autoResubscribe: false },
      maxRetryDelay,
      report,
    );
    const channelSuffix = ':changes';
    this.watchers = new Watchers(
      this.subscriber,
      (id) => this.key(id, 'changes'),
      (channel) =>
        channel.startsWith(`${prefix}{`) && channel.endsWith(`}${channelSuffix}`)
          ? channel.slice(prefix.length + 1, -channelSuffix.length - 1)
          : undefined,
      (id) => this.state(id),
      report,
    );
  }

  async create(id: string, limits: ResumableLimits): Promise<CreateResult> {
    const generation = `${Date.now().toString(36)}${Math.floor(Math.random() * 36 ** 6).toString(36)}`;
    const { maxEvents, maxBytes, ttl, maxDuration } = limits;
    const [created, current] = await this.run(id, 'create', (c) =>
      c.ssekitCreate(
        this.key(id, 'meta'),
        this.key(id, 'log'),
        generation,
        String(maxEvents),
        String(maxBytes),
        String(ttl),
        String(maxDuration),
      ),
    );
    const answer = String(current);
    if (!/^[0-9a-z]+$/.test(answer)) throw this.foreign(id, `a generation "${answer}"`);
    return created === 1 ? { created: true, generation: answer } : { created: false, generation: answer };
  }

  async append(id: string, generation: string, event: LogEvent): Promise<number | undefined> {
    const args = [this.key(id, 'meta'), this.key(id, 'log'), this.key(id, 'changes'), generation, event.data];
    if (event.event !== undefined) args.push(event.event);
    const seq = await this.run(id, 'append', (c) => c.ssekitAppend(...args));
    return seq === null ? undefined : seq;
  }

  async finish(id: string, generation: string | undefined, terminal: TerminalState): Promise<boolean> {
    const ended = await this.run(id, 'finish', (c) =>
      c.ssekitFinish(
        this.key(id, 'meta'),
        this.key(id, 'log'),
        this.key(id, 'changes'),
        generation ?? '',
        JSON.stringify(terminal),
      ),
    );
    return ended === 1;
  }

  async read(
    id: string,
    options: { readonly generation?: string | undefined; readonly after: number; readonly limit: number },
  ): Promise<LogPage> {
    const { generation, after, limit } = options;
    const reply = await this.run(id, 'read', (c) =>
      c.ssekitRead(this.key(id, 'meta'), this.key(id, 'log'), String(after + 1), String(limit)),
    );
    if (reply === null) return { kind: 'gone' };
    const [gen, end, first, last, deadline, entries] = reply;
    if (generation !== undefined && gen !== generation) return { kind: 'gone' };
    const terminal = end === '' ? undefined : parseTerminal(end);
    const numbers = [first, last, deadline].map(Number);
    if (end !== '' && !terminal) throw this.foreign(id, `an end state ${end}`);
    if (!numbers.every(Number.isSafeInteger))
      throw this.foreign(id, `the bounds ${first}, ${last}, ${deadline}`);
    const [firstSeq, lastSeq, deadlineMs] = numbers as [number, number, number];
    const page = {
      kind: 'page' as const,
      generation: gen,
      entries: entries.map((entry) => this.entry(id, entry)),
      first: firstSeq,
      last: lastSeq,
      deadline: deadlineMs,
    };
    return terminal ? { ...page, terminal } : page;
  }

  watch(id: string, listener: (change: LogChange) => void): () => void {
    return this.watchers.watch(id, listener);
  }

  close(): Promise<void> {
    this.closing ??= (async () => {
      this.closed = true;
      await Promise.all([disconnect(this.client), disconnect(this.subscriber)]);
    })();
    return this.closing;
  }

  /**
   * The state a watcher is told after (re)subscribing. A stream gone meanwhile (expired, or Redis
   * restarted without its data) is told as `last: 0`: a hint like any other, on which the watcher
   * reads, and finds it gone.
   */
  private async state(id: string): Promise<LogChange> {
    const page = await this.read(id, { after: Number.MAX_SAFE_INTEGER - 1, limit: 1 });
    if (page.kind === 'gone') return { last: 0 };
    return page.terminal ? { last: page.last, terminal: page.terminal } : { last: page.last };
  }

  private key(id: string, part: 'meta' | 'log' | 'changes'): string {
    return `${this.options.prefix}{${id}}:${part}`;
  }

  /** An XRANGE entry as a log entry; an entry this package did not write is a foreign value. */
  private entry(id: string, raw: unknown): LogEntry {
    const [entryId, fields] = Array.isArray(raw) ? raw : [];
    const seq = typeof entryId === 'string' ? Number(/^(\d+)-0$/.exec(entryId)?.[1]) : Number.NaN;
    if (!Number.isSafeInteger(seq) || !Array.isArray(fields))
      throw this.foreign(id, `an entry ${String(entryId)}`);
    let data: string | undefined;
    let event: string | undefined;
    for (let i = 0; i + 1 < fields.length; i += 2) {
      if (fields[i] === 'd') data = String(fields[i + 1]);
      else if (fields[i] === 'e') event = String(fields[i + 1]);
    }
    if (data === undefined) throw this.foreign(id, `an entry ${entryId} without data`);
    return event === undefined ? { seq, data } : { seq, event, data };
  }

  /** Runs one script, turning failures into `RedisChannelError`s that name the stream. */
  private async run<T>(id: string, step: string, command: (client: ScriptedRedis) => Promise<T>): Promise<T> {
    if (this.closed) {
      throw new RedisChannelError(
        'ERR_SSE_REDIS_CLOSED',
        this.key(id, 'meta'),
        'This resumable log is closed; create a new one to use the streams.',
      );
    }
    try {
      await this.connected();
      return await command(this.client);
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      if (/FOREIGN|WRONGTYPE/.test(reason)) throw this.foreign(id, reason, error);
      throw new RedisChannelError(
        'ERR_SSE_REDIS_UNAVAILABLE',
        this.key(id, 'meta'),
        `Redis did not complete the ${step} of resumable stream "${id}": ${reason}. Nothing was changed, or the change's answer was lost: read the stream to know.`,
        { cause: error },
      );
    }
  }

  /**
   * Waits, at most `commandTimeout`, for the connection to be up: with no offline queue a command
   * sent before that fails at once, which would make every call right after start-up (or during a
   * reconnection that is about to succeed) fail for nothing.
   */
  private connected(): Promise<void> {
    const client = this.client;
    if (client.status === 'ready') return Promise.resolve();
    const { commandTimeout } = this.options;
    return new Promise((resolve, reject) => {
      const done = () => {
        clearTimeout(timer);
        client.off('ready', done);
        resolve();
      };
      const timer = setTimeout(() => {
        client.off('ready', done);
        reject(new Error(`not connected within ${commandTimeout} ms`));
      }, commandTimeout);
      client.on('ready', done);
    });
  }

  private foreign(id: string, what: string, cause?: unknown): RedisChannelError {
    return new RedisChannelError(
      'ERR_SSE_REDIS_FOREIGN_VALUE',
      this.key(id, 'meta'),
      `The keys of resumable stream "${id}" hold ${what}, which ssekit did not write. Another program uses the prefix "${this.options.prefix}": give this log a prefix of its own, or delete those keys.`,
      cause === undefined ? undefined : { cause },
    );
  }
}
