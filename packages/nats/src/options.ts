import type { NodeConnectionOptions } from '@nats-io/transport-node';
import { checkNumberOption, checkStringOption, errorReporter, invalidOption } from '@ssekit/core/internal';

/** Options of `natsChannel`. Every duration is in milliseconds. */
export interface NatsChannelOptions {
  /**
   * Where NATS is: a server URL (`nats://host:4222`, `tls://` for TLS), a list of them, or the
   * connection options of `@nats-io/transport-node` (credentials, TLS). One connection is opened
   * from it. Whatever is given, it reconnects without end, backing off up to `maxRetryDelay`.
   */
  nats: string | string[] | NodeConnectionOptions;
  /**
   * The JetStream stream that holds the channel, e.g. `'ssekit-chat'`: letters, digits, `-` and
   * `_`. Every instance that serves the channel uses the same name. Created if it does not exist
   * (file storage, keeping `maxMsgs`); an existing stream is used with its own settings.
   */
  stream: string;
  /** The subject events are published on; the stream must capture it. Default `ssekit.<stream>`. */
  subject?: string;
  /**
   * Events kept for replay, when this instance creates the stream (JetStream's `max_msgs`: the
   * oldest leave once there are more). Default 10 000.
   */
  maxMsgs?: number;
  /**
   * How long a send (or a history read) waits for JetStream to answer before it rejects with
   * `ERR_SSE_NATS_UNAVAILABLE`. While NATS is unreachable, sends reject at once. Default 2 000.
   */
  commandTimeout?: number;
  /** The longest pause between reconnection attempts; pauses start at 50 ms and double up to this. Default 2 000. */
  maxRetryDelay?: number;
  /**
   * Told about connection errors, failed reads, and messages skipped because another program
   * published what no event can carry (`NatsChannelError`, code `ERR_SSE_NATS_FOREIGN_MESSAGE`),
   * for logs and metrics. Nothing needs to be done about them. Default: ignored.
   */
  onError?: (error: Error) => void;
}

/** `NatsChannelOptions` checked, with every default filled in. */
export interface ResolvedNatsOptions {
  nats: NodeConnectionOptions;
  stream: string;
  subject: string;
  maxMsgs: number;
  commandTimeout: number;
  maxRetryDelay: number;
  /** Never throws: a failing hook must not break the follower. */
  report: (error: unknown) => void;
}

// JetStream stream names may not hold `.`, `*`, `>`, whitespace or path separators.
const STREAM_NAME = /^[A-Za-z0-9_-]+$/;
// One concrete subject: dot-separated tokens, no wildcards, no whitespace.
const SUBJECT = /^[^.*>\s]+(\.[^.*>\s]+)*$/;

/**
 * Checks the options of `natsChannel`.
 *
 * @throws SSEFieldError / SSERangeError (`ERR_SSE_INVALID_OPTION`) naming the option.
 */
export function resolveNatsOptions(options: NatsChannelOptions): ResolvedNatsOptions {
  const naming = 'a stream name of letters, digits, - and _ (no dots, wildcards or spaces)';
  const stream = checkStringOption('stream', options.stream, naming);
  if (!STREAM_NAME.test(stream)) throw invalidOption('stream', stream, naming, 'type');
  const subject = options.subject ?? `ssekit.${stream}`;
  if (typeof subject !== 'string' || !SUBJECT.test(subject)) {
    throw invalidOption(
      'subject',
      subject,
      'a subject such as "ssekit.chat" (dot-separated, no wildcards)',
      'type',
    );
  }
  const report = errorReporter(options.onError);
  const number = (field: 'maxMsgs' | 'commandTimeout' | 'maxRetryDelay', fallback: number, unit: string) =>
    checkNumberOption(field, options[field], {
      integer: true,
      above: 0,
      fallback,
      requirement: `a whole number of ${unit} > 0`,
    });
  return {
    nats: connectionOptions(options.nats),
    stream,
    subject,
    maxMsgs: number('maxMsgs', 10_000, 'events'),
    commandTimeout: number('commandTimeout', 2_000, 'milliseconds'),
    maxRetryDelay: number('maxRetryDelay', 2_000, 'milliseconds'),
    report,
  };
}

/** The `nats` option as connection options. */
function connectionOptions(nats: unknown): NodeConnectionOptions {
  if (typeof nats === 'string' && nats !== '') return { servers: nats };
  if (Array.isArray(nats) && nats.length > 0 && nats.every((url) => typeof url === 'string' && url !== '')) {
    return { servers: nats as string[] };
  }
  if (typeof nats === 'object' && nats !== null && !Array.isArray(nats)) return nats as NodeConnectionOptions;
  throw invalidOption(
    'nats',
    nats,
    'a NATS server URL (nats://host:4222), a list of them, or NATS connection options',
    'type',
  );
}
