import { checkNumberOption, checkStringOption, errorReporter, invalidOption } from '@ssekit/core/internal';
import type { RedisOptions } from 'ioredis';
import { checkRedisTarget } from './options.js';

/** Options of `redisResumableLog`. Every duration is in milliseconds. */
export interface RedisResumableLogOptions {
  /**
   * Where Redis is: a URL (`redis://[user:password@]host:port[/db]`, `rediss://` for TLS) or ioredis
   * connection options. Two connections are opened from it: one for commands, and one subscribed
   * to the changes of the streams this instance watches. As with `redisChannel`, no offline queue
   * and no command retried after a lost connection, whatever is given.
   */
  redis: string | RedisOptions;
  /**
   * What every key starts with. A stream `chat-1` has the keys `<prefix>{chat-1}:meta` (a hash) and
   * `<prefix>{chat-1}:log` (a Redis Stream) and the pub/sub channel `<prefix>{chat-1}:changes`; the
   * `{…}` hash tag keeps one stream's keys on one Redis Cluster slot. Default `'ssekit:resumable:'`.
   */
  prefix?: string;
  /**
   * How long a call waits for the connection to be up, and then for Redis to answer, before it
   * rejects with `ERR_SSE_REDIS_UNAVAILABLE`. Default 2 000.
   */
  commandTimeout?: number;
  /** The longest pause between reconnection attempts; pauses start at 50 ms and double up to this. Default 2 000. */
  maxRetryDelay?: number;
  /** Told about every connection error and failed re-read of a watched stream, for logs. Default: ignored. */
  onError?: (error: Error) => void;
}

/** `RedisResumableLogOptions` checked, with every default filled in. */
export interface ResolvedLogOptions {
  redis: string | RedisOptions;
  prefix: string;
  commandTimeout: number;
  maxRetryDelay: number;
  /** Never throws: a failing hook must not break the subscriber. */
  report: (error: unknown) => void;
}

/**
 * Checks the options of `redisResumableLog`.
 *
 * @throws SSEFieldError / SSERangeError (`ERR_SSE_INVALID_OPTION`) naming the option.
 */
export function resolveLogOptions(options: RedisResumableLogOptions): ResolvedLogOptions {
  const { redis } = options;
  checkRedisTarget(redis, 'a Redis URL (redis://host:port) or ioredis connection options');
  const report = errorReporter(options.onError);
  const prefix =
    options.prefix === undefined
      ? 'ssekit:resumable:'
      : checkStringOption('prefix', options.prefix, 'a non-empty string, the same on every instance');
  // A brace in the prefix would become the hash tag of every key: every stream on one Cluster slot.
  if (/[{}]/.test(prefix)) throw invalidOption('prefix', prefix, 'a string without { or }', 'type');
  const number = (field: 'commandTimeout' | 'maxRetryDelay') =>
    checkNumberOption(field, options[field], {
      integer: true,
      above: 0,
      fallback: 2_000,
      requirement: 'a whole number of milliseconds > 0',
    });
  return {
    redis,
    prefix,
    commandTimeout: number('commandTimeout'),
    maxRetryDelay: number('maxRetryDelay'),
    report,
  };
}
