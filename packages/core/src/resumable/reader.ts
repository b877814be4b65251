import { unrefTimer } from '../background-timer.js';
import type { SSEStream } from '../stream.js';
import { resumableEventId } from './event-id.js';
import type { LogPage } from './log.js';
import type { ResolvedResumableOptions } from './options.js';

/** Where a reader starts: the stream's generation it follows and the sequence it has seen. */
export interface ReaderStart {
  readonly generation: string;
  /** The last sequence the client has (0: from the start). */
  readonly after: number;
  /** The client's Last-Event-ID, for the gap event's data. */
  readonly lastEventId: string | undefined;
}

type Page = Extract<LogPage, { kind: 'page' }>;

/**
 * Writes stream `streamId` to `stream` from `start`: every event after it, in order, live as the
 * producer writes them, then the terminal event, then closes the stream. Events the log trimmed are
 * replaced by the gap event; a stream gone meanwhile by the gone event. A client that leaves stops it,
 * and it lets go of its watcher and timer. Never rejects: a log failure closes the stream (the client
 * resumes) and goes to `onError`.
 *
 * Live events are written as they come, so a client that cannot keep up is dropped at the stream's
 * `maxBufferedBytes` and resumes from its last id; a catch-up of many pages waits for the client
 * between pages, so resuming a long backlog does not drop it again.
 */
export async function followStream(
  stream: SSEStream,
  streamId: string,
  start: ReaderStart,
  options: ResolvedResumableOptions,
): Promise<void> {
  const { log, pageSize } = options;
  const { generation } = start;
  let after = start.after;
  let changed = false;
  let wake: (() => void) | undefined;
  let lost: ReturnType<typeof setTimeout> | undefined;
  const unwatch = log.watch(streamId, () => {
    changed = true;
    wake?.();
  });
  const offClose = stream.onClose(() => wake?.());
  const idOf = (seq: number | 'end') => resumableEventId(streamId, generation, seq);
  try {
    while (!stream.closed) {
      changed = false;
      const page = await log.read(streamId, { generation, after, limit: pageSize });
      if (stream.closed) return;
      if (page.kind === 'gone') {
        stream.send(JSON.stringify({ streamId }), { event: options.goneEvent });
        return;
      }
      // Trimmed (the client goes on from the oldest event kept), or a position this stream never
      // reached (a forged id: it goes on from the newest): the gap event's id says from where.
      const from = after < page.first - 1 ? page.first - 1 : Math.min(after, page.last);
      if (from !== after) {
        const reason = from < after ? 'unknown' : 'expired';
        stream.send(JSON.stringify({ lastEventId: start.lastEventId ?? null, reason }), {
          event: options.gapEvent,
          id: idOf(from),
        });
        after = from;
      }
      let written: Promise<boolean> | undefined;
      for (const entry of page.entries) {
        written = stream.send(entry.data, { event: entry.event, id: idOf(entry.seq) });
        after = entry.seq;
      }
      if (after >= page.last && page.terminal) {
        stream.send(JSON.stringify(page.terminal), { event: options.endEvent, id: idOf('end') });
        return;
      }
      if (page.entries.length === pageSize) {
        // Catching up: let the client take this page before the next.
        if (written && !(await written)) return;
        continue;
      }
      if (after >= page.last && !changed) {
        lost ??= watchDeadline(page, streamId, generation, options);
        await new Promise<void>((resolve) => {
          wake = resolve;
        });
        wake = undefined;
      }
    }
  } catch (error) {
    options.onError(error, streamId);
  } finally {
    clearTimeout(lost);
    unwatch();
    offClose();
    stream.close();
  }
}

/**
 * Ends, with `error`, a stream still running well past its `maxDuration`: its producer's instance
 * must have died (its own timer would have ended it). Readers on any instance may do it; the log
 * lets only the first `finish` count, and tells every reader.
 */
function watchDeadline(
  page: Page,
  streamId: string,
  generation: string,
  options: ResolvedResumableOptions,
): ReturnType<typeof setTimeout> {
  const delay = Math.min(Math.max(0, page.deadline + options.producerLostAfter - Date.now()), 2_147_483_647);
  return unrefTimer(
    setTimeout(() => {
      options.log
        .finish(streamId, generation, { state: 'error', message: 'The producer stopped answering.' })
        .catch((error) => options.onError(error, streamId));
    }, delay),
  );
}
