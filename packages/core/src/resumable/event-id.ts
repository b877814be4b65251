import { describeValue, SSEFieldError } from '../errors.js';

/** What a stream id may be: it sits in a URL path and, before the first `:`, in every event id. */
const STREAM_ID = /^[A-Za-z0-9_.~-]{1,200}$/;
const GENERATION = /^[0-9a-z]+$/;
/** The sequence part of the terminal event's id: no event has it, so a reader resuming with it is done. */
const END = 'end';

/** A position in a resumable stream, as an event id names it. */
export interface ResumablePosition {
  /** The stream id. */
  readonly streamId: string;
  /** The generation of the stream the id was issued by. */
  readonly generation: string;
  /** The sequence of the event (0: before the first), or `'end'` for the terminal event. */
  readonly seq: number | 'end';
}

/** Whether `streamId` is one `checkStreamId` accepts (for ids that come from a URL: no stream has another). */
export function isStreamId(streamId: string): boolean {
  return STREAM_ID.test(streamId);
}

/**
 * Refuses a stream id that cannot sit in a URL path segment and an event id unchanged.
 *
 * @throws SSEFieldError (`ERR_SSE_INVALID_STREAM_ID`, field `streamId`)
 */
export function checkStreamId(streamId: string): void {
  if (typeof streamId !== 'string' || !STREAM_ID.test(streamId)) {
    throw new SSEFieldError(
      'ERR_SSE_INVALID_STREAM_ID',
      'streamId',
      streamId,
      `Stream id ${describeValue(streamId)} must be 1 to 200 characters of A-Z a-z 0-9 _ - . ~ (a UUID or a nanoid fits).`,
    );
  }
}

/**
 * The SSE id of an event of a resumable stream: `<stream id>:<generation>:<sequence>`, or
 * `<stream id>:<generation>:end` for the terminal event. It names its stream, so an id alone finds
 * it (MCP's `getStreamIdForEventId`), and its generation tells it apart from an older stream of
 * the same id.
 */
export function resumableEventId(streamId: string, generation: string, seq: number | 'end'): string {
  return `${streamId}:${generation}:${seq}`;
}

/**
 * Reads an id made by `resumableEventId`; `undefined` for anything else (a client's Last-Event-ID
 * is input from the network: it is never trusted to be well formed).
 */
export function parseResumableEventId(id: string): ResumablePosition | undefined {
  const parts = id.split(':');
  if (parts.length !== 3) return undefined;
  const [streamId, generation, seq] = parts as [string, string, string];
  if (!STREAM_ID.test(streamId) || !GENERATION.test(generation)) return undefined;
  if (seq === END) return { streamId, generation, seq: END };
  if (!/^(0|[1-9][0-9]{0,14})$/.test(seq)) return undefined;
  return { streamId, generation, seq: Number(seq) };
}
