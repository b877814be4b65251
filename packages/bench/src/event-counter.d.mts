/** Counts complete SSE events in a raw HTTP/1.1 response, fed chunk by chunk as read from a socket. */
export class EventCounter {
  /**
   * @param marker the prefix of every benchmark event's data
   * @param onEvent called for each event counted, with the bytes it sits in and the index just past
   *   its marker (valid only during the call)
   */
  constructor(marker: string, onEvent?: (buf: Buffer, at: number) => void);
  /** Complete events (blocks ended by a blank line) whose data carried the marker. */
  events: number;
  /** Complete blocks without the marker: heartbeats, retry hints. */
  otherBlocks: number;
  /** HTTP status, once the headers are in (0 before). */
  status: number;
  /** Lower-cased response headers, once in. */
  headers: Record<string, string> | undefined;
  /** Whether the last chunk of a chunked body has been seen. */
  ended: boolean;
  /** Body bytes seen, after de-chunking. */
  bodyBytes: number;
  /** Feeds bytes as read; returns whether the headers have been parsed. */
  push(buf: Buffer): boolean;
}
