import type { MsgHdrs } from '@nats-io/transport-node';
import type { StoredMessage } from '@ssekit/core';
import { NatsChannelError } from './errors.js';
import { formatEventId } from './event-id.js';

/** The header that carries an event's type; a message without it is a `message` event. */
export const EVENT_HEADER = 'Ssekit-Event';

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** A message as JetStream hands it over, live or read back. */
export interface RawMessage {
  readonly seq: number;
  readonly data: Uint8Array;
  readonly headers: MsgHdrs | undefined;
}

/**
 * A stream message as a channel event, its id made of the stream's epoch and the message's
 * sequence; or, for a payload that is not UTF-8 (another program published bytes no event can
 * carry), the error to report while it is skipped. An event name is taken as it is: the channel
 * refuses to encode one that cannot be sent, and reports it.
 */
export function toEvent(stream: string, epoch: string, raw: RawMessage): StoredMessage | NatsChannelError {
  const id = formatEventId(epoch, raw.seq);
  let data: string;
  try {
    data = utf8.decode(raw.data);
  } catch (error) {
    return new NatsChannelError(
      'ERR_SSE_NATS_FOREIGN_MESSAGE',
      stream,
      `Message ${raw.seq} of stream "${stream}" is not UTF-8 text, so no event can carry it: skipped. Another program published it to the channel's subject.`,
      { cause: error },
    );
  }
  const event = raw.headers?.has(EVENT_HEADER) ? raw.headers.get(EVENT_HEADER) : undefined;
  return { id, event, data };
}
