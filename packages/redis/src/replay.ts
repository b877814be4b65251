import type { ReplayResult } from '@ssekit/core';
import { type Connection, failure, run } from './connection.js';
import { type Entry, replayOf, type StreamInfo, streamInfo } from './entries.js';
import { compareStreamIds, parseStreamId, STREAM_START } from './stream-id.js';

/**
 * One page of the replay after `lastEventId`: at most `limit` events, read with
 * `XRANGE key id + COUNT`, so a client resuming from far back never makes the server hold the whole
 * range. The answer is exact or a gap: `'expired'` when events after the id were trimmed away,
 * `'unknown'` for an id that is malformed, ahead of the newest entry, or never issued by this stream.
 */
export async function readReplay(
  client: Connection,
  key: string,
  lastEventId: string,
  limit: number,
): Promise<ReplayResult> {
  if (parseStreamId(lastEventId) === undefined) {
    const [newest] = await run<Entry[]>(client, key, ['XREVRANGE', key, '+', '-', 'COUNT', '1']);
    return { kind: 'gap', reason: 'unknown', resumeId: newest?.[0] ?? STREAM_START };
  }
  // The id's own entry, `limit` events, and one more to tell whether others follow.
  const { info, entries } = await snapshot(client, key, lastEventId, limit + 2);
  const newest = info.newest ?? STREAM_START;
  const gap = (reason: 'expired' | 'unknown'): ReplayResult => ({ kind: 'gap', reason, resumeId: newest });

  let after: readonly Entry[];
  if (compareStreamIds(lastEventId, newest) > 0) return gap('unknown');
  if (info.oldest !== undefined && compareStreamIds(lastEventId, info.oldest) >= 0) {
    // Within what is kept: an id this stream issued is there; anything else it never issued.
    if (entries[0]?.[0] !== lastEventId) return gap('unknown');
    after = entries.slice(1);
  } else if (info.removed === false) {
    // Before everything kept, and nothing was ever trimmed: only the start id precedes it all.
    if (lastEventId !== STREAM_START) return gap('unknown');
    after = entries;
  } else {
    // Before everything kept, and entries were trimmed: events after the id may be gone. (Even the
    // id of the entry trimmed last counts: Redis does not tell which id that was.)
    return gap('expired');
  }
  const page = after.slice(0, limit);
  const messages = replayOf(page);
  const more = after.length > limit;
  const last = page.at(-1)?.[0];
  // A page of bus-only entries holds no event: read on, so that an empty page always means the end.
  if (messages.length === 0 && more && last !== undefined) return readReplay(client, key, last, limit);
  return more ? { kind: 'replay', messages, more } : { kind: 'replay', messages };
}

/** The stream's bounds and up to `count` entries from `id` on, read atomically. */
async function snapshot(
  client: Connection,
  key: string,
  id: string,
  count: number,
): Promise<{ info: StreamInfo; entries: Entry[] }> {
  const range = Number.isFinite(count) ? ['COUNT', String(count)] : [];
  let results: [Error | null, unknown][] | null;
  try {
    results = await client
      .multi([
        ['xinfo', 'STREAM', key],
        ['xrange', key, id, '+', ...range],
      ])
      .exec();
  } catch (error) {
    throw failure(key, 'MULTI', error);
  }
  const [info, entries] = results ?? [];
  if (!info || !entries) throw failure(key, 'EXEC', new Error('the transaction was aborted'));
  if (entries[0]) throw failure(key, 'XRANGE', entries[0]);
  if (info[0]) {
    // A stream that does not exist is an empty one.
    if (/no such key/i.test(info[0].message)) return { info: { removed: false }, entries: [] };
    throw failure(key, 'XINFO', info[0]);
  }
  return { info: streamInfo(info[1]), entries: entries[1] as Entry[] };
}
