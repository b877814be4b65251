import { Redis, type RedisOptions } from 'ioredis';
import { RedisChannelError } from './errors.js';

/** How long `disconnect` waits for a socket to finish closing before it stops waiting. */
const CLOSE_GRACE = 1_000;

/**
 * Opens one connection. `own` are this connection's settings (its name, timeouts); what the
 * delivery guarantees rest on is set last, whatever the user gave.
 */
export function connect(
  redis: string | RedisOptions,
  own: RedisOptions,
  maxRetryDelay: number,
  report: (error: unknown) => void,
): Redis {
  const given = typeof redis === 'string' ? {} : redis;
  const options: RedisOptions = {
    retryStrategy: (attempt) => backoff(attempt, maxRetryDelay),
    ...own,
    ...given,
    // A command is sent now or fails now, and a command in flight when the connection drops fails
    // instead of being sent again later (the caller was told it failed; a silent resend would
    // publish what the caller thinks was not).
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    autoResendUnfulfilledCommands: false,
    // The reply shapes read in this package are RESP2's (RESP3 turns XREAD's reply into a map).
    protocol: 2,
    lazyConnect: false,
  };
  const client = typeof redis === 'string' ? new Redis(redis, options) : new Redis(options);
  // Without a listener ioredis prints every connection error; they are reported through onError.
  client.on('error', report);
  return client;
}

/** Runs one command, turning failures into a `RedisChannelError`. */
export async function run<T>(
  client: Redis,
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
  const reason = error instanceof Error ? error.message : String(error);
  const action = command === 'XADD' ? 'The event was not published' : 'Nothing was read';
  return new RedisChannelError(
    'ERR_SSE_REDIS_UNAVAILABLE',
    key,
    `Redis did not complete ${command} on "${key}": ${reason}. ${action}.`,
    { cause: error },
  );
}

/** 50 ms doubling up to `max`, plus up to 50 ms of jitter so instances do not retry in step. */
export function backoff(attempt: number, max: number): number {
  return Math.min(50 * 2 ** Math.min(attempt - 1, 16), max) + Math.floor(Math.random() * 50);
}

/** Closes a connection and resolves once its socket is gone (or after a short grace). */
export function disconnect(client: Redis): Promise<void> {
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
