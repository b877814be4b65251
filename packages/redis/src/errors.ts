/** Machine-readable reason of a `RedisChannelError`. */
export type RedisChannelErrorCode =
  /** Redis did not acknowledge the command in time, or is not connected: the event was not published. */
  | 'ERR_SSE_REDIS_UNAVAILABLE'
  /** The shared channel was closed (`channel.close()` closes it). */
  | 'ERR_SSE_REDIS_CLOSED'
  /** A key the resumable log uses holds a value ssekit did not write (another program shares the prefix). */
  | 'ERR_SSE_REDIS_FOREIGN_VALUE';

/**
 * Why `channel.send` (or a replay read) failed on a Redis-backed channel. The event was not
 * acknowledged by Redis, so the caller must treat it as not published (retry, or report it).
 * Redis may still have applied a command whose reply was lost with the connection.
 */
export class RedisChannelError extends Error {
  /** Why the command failed. */
  readonly code: RedisChannelErrorCode;
  /** The stream key the command was for. */
  readonly key: string;

  constructor(code: RedisChannelErrorCode, key: string, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'RedisChannelError';
    this.code = code;
    this.key = key;
  }
}
