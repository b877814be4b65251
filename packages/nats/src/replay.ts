import type { JetStreamManager } from '@nats-io/jetstream';
import type { ReplayResult, StoredMessage } from '@ssekit/core';
import { formatEventId, parseEventId } from './event-id.js';
import { toEvent } from './messages.js';
import type { ResolvedNatsOptions } from './options.js';
import { streamState } from './stream.js';

/** Most messages read for one page, whatever the limit asked: bounds what one read holds. */
const MAX_PAGE = 1_000;

/**
 * One page of the replay after `lastEventId`: at most `limit` events, read by sequence, so a client
 * resuming from far back never makes the server hold the whole range. The answer is exact or a
 * gap: `'epoch'` for an id of a stream since deleted and created again, `'expired'` when events
 * after the id were trimmed away, `'unknown'` for an id that is malformed or ahead of the newest.
 */
export async function readReplay(
  jsm: JetStreamManager,
  options: ResolvedNatsOptions,
  lastEventId: string,
  limit: number,
): Promise<ReplayResult> {
  const { stream, report } = options;
  const { epoch, firstSeq, lastSeq } = await streamState(jsm, options);
  const gap = (reason: 'epoch' | 'expired' | 'unknown'): ReplayResult => ({
    kind: 'gap',
    reason,
    resumeId: formatEventId(epoch, lastSeq),
  });
  const id = parseEventId(lastEventId);
  if (!id) return gap('unknown');
  if (id.epoch !== epoch) return gap('epoch');
  if (id.sequence > lastSeq) return gap('unknown');
  if (id.sequence < firstSeq - 1) return gap('expired');

  const to = Math.min(lastSeq, id.sequence + Math.min(limit, MAX_PAGE));
  const sequences = Array.from({ length: to - id.sequence }, (_, i) => id.sequence + 1 + i);
  // All sent at once on the one connection: the page costs one round trip, not one per message.
  const read = await Promise.all(sequences.map((seq) => jsm.streams.getMessage(stream, { seq })));
  // Trimmed between the two reads.
  if (read.length > 0 && read[0] === null) return gap('expired');
  const messages: StoredMessage[] = [];
  for (const stored of read) {
    // A message deleted from the middle of the stream is skipped: it was not trimmed after the id.
    if (stored === null) continue;
    const event = toEvent(stream, epoch, { seq: stored.seq, data: stored.data, headers: stored.header });
    if (event instanceof Error) report(event);
    else messages.push(event);
  }
  const more = to < lastSeq;
  // A page of nothing but skipped messages: read on, so that an empty page always means the end.
  if (messages.length === 0 && more) return readReplay(jsm, options, formatEventId(epoch, to), limit);
  return more ? { kind: 'replay', messages, more } : { kind: 'replay', messages };
}
