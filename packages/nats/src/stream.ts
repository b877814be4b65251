import {
  DiscardPolicy,
  JetStreamApiError,
  type JetStreamManager,
  StorageType,
  type StreamInfo,
} from '@nats-io/jetstream';
import { epochOf } from './event-id.js';
import type { ResolvedNatsOptions } from './options.js';

/** JetStream's error code for a stream that does not exist. */
const STREAM_NOT_FOUND = 10059;

/** What one stream-info read tells: the stream's epoch and the sequences it keeps. */
export interface StreamState {
  readonly epoch: string;
  /** The oldest kept message's sequence (`lastSeq + 1` when none is kept). */
  readonly firstSeq: number;
  /** The newest message's sequence, 0 before the first. */
  readonly lastSeq: number;
}

/**
 * The stream's state, creating the stream first if it does not exist (with file storage, keeping
 * `maxMsgs`, the oldest dropped first). Instances that create it at once agree: JetStream answers
 * an identical creation with the existing stream.
 */
export async function streamState(jsm: JetStreamManager, options: ResolvedNatsOptions): Promise<StreamState> {
  const { stream, subject, maxMsgs } = options;
  let info: StreamInfo;
  try {
    info = await jsm.streams.info(stream);
  } catch (error) {
    if (!(error instanceof JetStreamApiError && error.code === STREAM_NOT_FOUND)) throw error;
    info = await jsm.streams.add({
      name: stream,
      subjects: [subject],
      max_msgs: maxMsgs,
      storage: StorageType.File,
      discard: DiscardPolicy.Old,
    });
  }
  const { first_seq, last_seq } = info.state;
  // An empty stream reports first_seq 0 before its first message; later, last_seq + 1.
  return { epoch: epochOf(info.created), firstSeq: Math.max(first_seq, 1), lastSeq: last_seq };
}
