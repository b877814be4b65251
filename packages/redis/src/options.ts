import { checkNumberOption, checkStringOption, errorReporter, invalidOption } from '@ssekit/core/internal';
import type { ClusterNode, ClusterOptions, RedisOptions } from 'ioredis';

/**
 * A Redis Cluster, as the two arguments of ioredis' `new Cluster(nodes, options)`: some of its
 * nodes (the others are discovered) and the Cluster's options. Each channel's stream is one key, so
 * it lives on one slot (and so on one master), and many channels spread over the masters.
 *
 * @example
 * redisChannel({ redis: { cluster: ['10.0.0.1:7000', '10.0.0.2:7000'] }, key: 'ssekit:{chat}' })
 */
export interface RedisClusterConfig {
  /** Startup nodes: `'host:port'`, a port, or `{ host, port }`; one reachable node is enough. */
  cluster: ClusterNode[];
  /**
   * ioredis Cluster options (`redisOptions` for each node's password or TLS, `natMap`, `dnsLookup`,
   * `clusterRetryStrategy`, ...). The guarantees below are set whatever is given: no offline queue,
   * no command re-sent after its connection closed, RESP2, every command to its slot's master.
   */
  options?: ClusterOptions;
}

/** Where Redis is: a URL, ioredis connection options for one server, or a Redis Cluster. */
export type RedisTarget = string | RedisOptions | RedisClusterConfig;

/** Options of `redisChannel`. Every duration is in milliseconds. */
export interface RedisChannelOptions {
  /**
   * Where Redis is: a URL (`redis://[user:password@]host:port[/db]`, `rediss://` for TLS), ioredis
   * connection options, or a Redis Cluster (`{ cluster: nodes, options? }`). Two connections are
   * opened from it: one that writes and reads history, and one that does nothing but wait on the
   * stream (a blocking read holds its connection; in a Cluster, its connection to the master of the
   * stream's slot). The options that the guarantees below rest on are always set, whatever is
   * given: no offline queue, no command retried after a lost connection, RESP2.
   */
  redis: RedisTarget;
  /**
   * The Redis key of the channel's stream, e.g. `'ssekit:chat'`. One key holds the whole channel,
   * so in a Redis Cluster it lives on one slot: the slot of the whole key, or, if the key has a
   * hash tag (`'ssekit:{chat}'`), of the part in braces only, which lets keys that must share a
   * slot name the same tag. Every instance that serves the channel uses the same key.
   */
  key: string;
  /**
   * Events kept for replay. Trimming is approximate (`XADD MAXLEN ~`): Redis keeps at least this
   * many, and drops old entries a whole node (100 entries by default) at a time. Default 10 000.
   */
  maxLen?: number;
  /**
   * How long a send (or a history read) waits for Redis to answer before it rejects with
   * `ERR_SSE_REDIS_UNAVAILABLE`. While Redis is unreachable, sends reject at once. Default 2 000.
   */
  commandTimeout?: number;
  /**
   * How long one blocking read waits on the server before it is issued again. The follower's
   * connection is declared dead, and re-established, when no answer comes within this plus
   * `commandTimeout`. Default 5 000.
   */
  blockTimeout?: number;
  /**
   * The longest pause between reconnection attempts; pauses start at 50 ms and double up to this.
   * Ignored for reconnection if `redis.retryStrategy` is given. Default 2 000.
   */
  maxRetryDelay?: number;
  /**
   * Told about every connection error and failed read, for logs and metrics. Nothing needs to be
   * done about them: sends reject on their own and the follower reconnects. Default: ignored.
   */
  onError?: (error: Error) => void;
}

/** `RedisChannelOptions` checked, with every default filled in. */
export interface ResolvedRedisOptions {
  redis: RedisTarget;
  key: string;
  maxLen: number;
  commandTimeout: number;
  blockTimeout: number;
  maxRetryDelay: number;
  /** Never throws: a failing hook must not break the follower. */
  report: (error: unknown) => void;
}

const WHOLE_POSITIVE = { integer: true, above: 0 } as const;

/**
 * Checks the options of `redisChannel`.
 *
 * @throws SSEFieldError / SSERangeError (`ERR_SSE_INVALID_OPTION`) naming the option.
 */
export function resolveRedisOptions(options: RedisChannelOptions): ResolvedRedisOptions {
  const key = checkStringOption('key', options.key, 'a non-empty string, the same on every instance');
  const { redis } = options;
  checkRedisTarget(
    redis,
    'a Redis URL (redis://host:port), ioredis connection options, or { cluster: [nodes] }',
  );
  // Each node's form is checked by ioredis when it connects.
  if (
    typeof redis === 'object' &&
    'cluster' in redis &&
    !(Array.isArray(redis.cluster) && redis.cluster.length > 0)
  ) {
    throw invalidOption(
      'redis.cluster',
      redis.cluster,
      "a non-empty array of the Cluster's nodes ('host:port', a port, or { host, port })",
      'type',
    );
  }
  const report = errorReporter(options.onError);
  const number = (field: keyof RedisChannelOptions, fallback: number, unit: string) =>
    checkNumberOption(field, options[field], {
      ...WHOLE_POSITIVE,
      fallback,
      requirement: `a whole number of ${unit} > 0`,
    });
  return {
    redis,
    key,
    maxLen: number('maxLen', 10_000, 'events'),
    commandTimeout: number('commandTimeout', 2_000, 'milliseconds'),
    blockTimeout: number('blockTimeout', 5_000, 'milliseconds'),
    maxRetryDelay: number('maxRetryDelay', 2_000, 'milliseconds'),
    report,
  };
}

/**
 * Checks that the `redis` option is a URL or an object (connection options, or a Cluster's);
 * ioredis checks the rest when it connects.
 *
 * @param requirement what the caller accepts, for the error's message
 * @throws SSEFieldError (`ERR_SSE_INVALID_OPTION`) otherwise
 */
export function checkRedisTarget(redis: unknown, requirement: string): void {
  if (typeof redis !== 'string' && (typeof redis !== 'object' || redis === null)) {
    throw invalidOption('redis', redis, requirement, 'type');
  }
}
