import type { ChannelMessage, StoredMessage } from '@ssekit/core';

/** A stream entry as RESP2 replies carry it. */
export type Entry = readonly [id: string, fields: readonly string[]];

/** What XINFO STREAM tells about a stream's bounds. */
export interface StreamInfo {
  /** Entries kept. */
  length?: number;
  oldest?: string;
  newest?: string;
  /** Whether entries were ever trimmed away; `undefined` where Redis does not tell (before 7.0). */
  removed?: boolean;
  /**
   * How many entries were ever added, minus how many are kept: the ordinal (counting from 1) of the
   * oldest kept entry is this plus one. `undefined` before Redis 7.0.
   */
  removedCount?: number;
}

/** Reads XINFO STREAM's flat `[name, value, ...]` reply. */
export function streamInfo(reply: unknown): StreamInfo {
  const info: StreamInfo = {};
  if (!Array.isArray(reply)) return info;
  let length: number | undefined;
  let added: number | undefined;
  for (let i = 0; i + 1 < reply.length; i += 2) {
    const value = reply[i + 1];
    switch (reply[i]) {
      case 'length':
        length = Number(value);
        info.length = length;
        break;
      case 'entries-added':
        added = Number(value);
        break;
      case 'first-entry':
        if (Array.isArray(value)) info.oldest = String(value[0]);
        break;
      case 'last-entry':
        if (Array.isArray(value)) info.newest = String(value[0]);
        break;
    }
  }
  if (length !== undefined && added !== undefined) {
    info.removed = added > length;
    info.removedCount = added - length;
  }
  return info;
}

/** Entries as replayed events. Messages sent through the bus alone, without an id, have no place in a replay. */
export function replayOf(entries: readonly Entry[]): StoredMessage[] {
  return entries.map(toMessage).filter((message): message is StoredMessage => message.id !== undefined);
}

/**
 * An entry as a channel message: appended entries carry their stream id as the event id. Fields
 * are taken as they are: an entry another producer wrote may hold what an event cannot carry (a
 * newline in its event name); the channel refuses to encode it and reports it.
 */
export function toMessage([entryId, fields]: Entry): ChannelMessage {
  let event: string | undefined;
  let data = '';
  let viaBus = false;
  let id: string | undefined;
  let sentAt: number | undefined;
  for (let i = 0; i + 1 < fields.length; i += 2) {
    const value = fields[i + 1] as string;
    switch (fields[i]) {
      case 'event':
        event = value;
        break;
      case 'data':
        data = value;
        break;
      case 'bus':
        viaBus = true;
        break;
      case 'id':
        id = value;
        break;
      case SENT_AT:
        sentAt = readSentAt(value);
        break;
    }
  }
  return viaBus ? { id, event, data, sentAt } : { id: entryId, event, data, sentAt };
}

/**
 * The entry field that carries `ChannelMessage.sentAt` (milliseconds since the epoch, in decimal),
 * for the bus-lag metric. Entries without it (written by an older release or another producer) are
 * delivered as before, without a send time.
 */
export const SENT_AT = 'sentAt';

/** The fields that carry `sentAt`, if the message has one. */
export function sentAtFields(sentAt: number | undefined): string[] {
  return sentAt === undefined ? [] : [SENT_AT, String(sentAt)];
}

/** A send time another producer may have written anything into: only a plausible time is kept. */
function readSentAt(value: string): number | undefined {
  const ms = Number(value);
  return Number.isFinite(ms) && ms > 0 ? ms : undefined;
}
