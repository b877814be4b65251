import { failedRequestMessage } from '@ssekit/core/internal';

/** Machine-readable reason of a `NatsChannelError`. */
export type NatsChannelErrorCode =
  /** JetStream did not acknowledge in time, or NATS is not connected: the event was not published. */
  | 'ERR_SSE_NATS_UNAVAILABLE'
  /** The shared channel was closed (`channel.close()` closes it). */
  | 'ERR_SSE_NATS_CLOSED'
  /**
   * A message in the stream is not one an event can be made of (its payload is not UTF-8 text):
   * another program published it to the subject. It is skipped, never delivered; told to `onError`.
   */
  | 'ERR_SSE_NATS_FOREIGN_MESSAGE';

/**
 * Why `channel.send` (or a replay read) failed on a NATS-backed channel, or (code
 * `ERR_SSE_NATS_FOREIGN_MESSAGE`, told to `onError` only) why a message in the stream was skipped.
 * A send that rejects was not acknowledged by JetStream: treat the event as not published.
 */
export class NatsChannelError extends Error {
  /** Why the operation failed. */
  readonly code: NatsChannelErrorCode;
  /** The JetStream stream the operation was for. */
  readonly stream: string;

  constructor(code: NatsChannelErrorCode, stream: string, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'NatsChannelError';
    this.code = code;
    this.stream = stream;
  }
}

/** A failed request as the error callers see: the event was not published, or nothing was read. */
export function unavailable(stream: string, operation: string, error: unknown): NatsChannelError {
  const message = failedRequestMessage(
    'NATS',
    operation,
    `stream "${stream}"`,
    operation === 'publish',
    error,
  );
  return new NatsChannelError('ERR_SSE_NATS_UNAVAILABLE', stream, message, { cause: error });
}
