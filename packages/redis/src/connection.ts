import { failedRequestMessage } from '@ssekit/core/internal';
import { Cluster, type ClusterOptions, Redis, type RedisOptions } from 'ioredis';
import { RedisChannelError } from './errors.js';
import type { RedisTarget } from './options.js';

/**
 * A connection to one Redis server or to a Redis Cluster. Every command this package sends names
 * one key (the channel's stream), so a Cluster routes it to the master serving that key's slot.
 */
export type Connection = Redis | Cluster;

/** What the delivery guarantees rest on, set on every connection (and every Cluster node's) whatever the user gave. */
const GUARANTEES = {
  // A command is sent now or fails now, and a command in flight when the connection drops fails
  // instead of being sent again later (the caller was told it failed; a silent resend would
  // publish what the caller thinks was not).
  enableOfflineQueue: false,
  maxRetriesPerRequest: 0,
  autoResendUnfulfilledCommands: false,
  // The reply shapes read in this package are RESP2's (RESP3 turns XREAD's reply into a map).
  protocol: 2,
} as const satisfies RedisOptions;

/** How long `disconnect` waits for a socket to finish closing before it stops waiting. */
const CLOSE_GRACE = 1_000;

/**
 * Opens one connection (to a server, or to a Cluster). `own` are this connection's settings (its
 * name, timeouts); what the delivery guarantees rest on is set last, whatever the user gave.
 */
export function connect(
  redis: string | RedisOptions,
  own: RedisOptions,
  maxRetryDelay: number,
  report: (error: unknown) => void,
): Redis;
export function connect(
  redis: RedisTarget,
  own: RedisOptions,
  maxRetryDelay: number,
  report: (error: unknown) => void,
): Connection;
export function connect(
  redis: RedisTarget,
  own: RedisOptions,
  maxRetryDelay: number,
  report: (error: unknown) => void,
): Connection {
  const retryStrategy = (attempt: number) => backoff(attempt, maxRetryDelay);
  let client: Connection;
  if (typeof redis === 'string') {
    client = new Redis(redis, { retryStrategy, ...own, ...GUARANTEES, lazyConnect: false });
  } else if ('cluster' in redis) {
    client = new Cluster(redis.cluster, clusterOptions(redis.options ?? {}, own, retryStrategy));
  } else {
    client = new Redis({ retryStrategy, ...own, ...redis, ...GUARANTEES, lazyConnect: false });
  }
  // Without a listener ioredis prints every connection error; they are reported through onError.
  client.on('error', report);
  return client;
}

/**
 * A Cluster's options: the user's, with this connection's settings and the guarantees on every
 * node. Without an offline queue a command sent to a node whose connection is still opening is
 * refused, so each node's connection opens as soon as the Cluster learns of the node, replicas
 * included: when one is promoted, its connection is already up. A Cluster redirects a command on MOVED / ASK
 * and retries it on TRYAGAIN / CLUSTERDOWN (the node refused it, so it was not applied), but never
 * re-sends one whose connection closed while it was in flight: that node may have applied it
 * before going down. Every command goes to the master of its slot: a replica can lag behind, and a
 * replay read there would miss the newest events, or call a client's id unknown.
 */
function clusterOptions(
  given: ClusterOptions,
  own: RedisOptions,
  retryStrategy: (attempt: number) => number,
): ClusterOptions {
  return {
    clusterRetryStrategy: retryStrategy,
    ...given,
    redisOptions: { ...own, ...given.redisOptions, ...GUARANTEES, lazyConnect: false },
    enableOfflineQueue: false,
    retryDelayOnFailover: 0,
    scaleReads: 'master',
    lazyConnect: false,
  };
}

/**
 * Resolves once `client` has had a command on `key` answered: its connection to the node serving
 * the key is up (in a Cluster, node connections open after the Cluster itself is ready). Retries
 * with backoff; gives up, resolving, once `stopped()` says so.
 */
export async function reach(
  client: Connection,
  key: string,
  maxRetryDelay: number,
  stopped: () => boolean,
): Promise<void> {
  for (let attempt = 1; !stopped(); attempt++) {
    try {
      await client.call('EXISTS', key);
      return;
    } catch {
      // Not connected yet: the channel's onError hears of connection errors from the client itself.
      await new Promise((resolve) => setTimeout(resolve, backoff(attempt, maxRetryDelay)).unref());
    }
  }
}

/** Runs one command, turning failures into a `RedisChannelError`. */
export async function run<T>(
  client: Connection,
  key: string,
  [command, ...args]: [string, ...string[]],
): Promise<T> {
  try {
    return (await client.call(command, ...args)) as T;
  } catch (error) {
    throw failure(key, command, error);
  }
}

/** A failed command as the error callers see: the event was not published, or nothing was read. */
export function failure(key: string, command: string, error: unknown): RedisChannelError {
  const message = failedRequestMessage('Redis', command, `"${key}"`, command === 'XADD', error);
  return new RedisChannelError('ERR_SSE_REDIS_UNAVAILABLE', key, message, { cause: error });
}

/** 50 ms doubling up to `max`, plus up to 50 ms of jitter so instances do not retry in step. */
export function backoff(attempt: number, max: number): number {
  return Math.min(50 * 2 ** Math.min(attempt - 1, 16), max) + Math.floor(Math.random() * 50);
}

/** Closes a connection and resolves once its socket is gone (or after a short grace). */
export function disconnect(client: Connection): Promise<void> {
  // Between attempts there is no socket; disconnect() only cancels the next attempt.
  if (client.status === 'end' || client.status === 'reconnecting') {
    client.disconnect();
    return Promise.resolve();
  }
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      client.off('end', done);
      resolve();
    };
    const timer = setTimeout(done, CLOSE_GRACE);
    client.once('end', done);
    client.disconnect();
  });
}
