// Counts complete SSE events in a raw HTTP/1.1 response read off a socket, chunk by chunk.
//
// The response is parsed as it arrives: status line and headers, then the body, de-chunked when
// the server sent `Transfer-Encoding: chunked` (every Node server here does). In the body, an
// event counts once its block is terminated by a blank line AND the block carried the benchmark's
// marker (the fixed prefix of every event's data). Blocks without the marker (heartbeat comments,
// a `retry:` hint) are counted separately as `otherBlocks`. Only LF-terminated lines are
// recognised, which is what every server under test writes.
//
// Scanning uses Buffer.indexOf (native) rather than a JS loop over bytes, so that reading 10 000
// connections' worth of events does not make the load client the bottleneck.

const LF = 0x0a;
const EMPTY = Buffer.alloc(0);
const HEADER_END = Buffer.from('\r\n\r\n');
const BLANK_LINE = Buffer.from('\n\n');

export class EventCounter {
  /**
   * @param {string} marker the prefix of every benchmark event's data
   * @param {(buf: Buffer, at: number) => void} [onEvent] called for each event counted, with the
   *   bytes it sits in and the index just past its marker (valid only during the call)
   */
  constructor(marker, onEvent) {
    this.marker = Buffer.from(marker);
    this.onEvent = onEvent;
    /** Complete events that carried the marker. */
    this.events = 0;
    /** Complete blocks without the marker (heartbeats, retry hints). */
    this.otherBlocks = 0;
    /** HTTP status code, once the headers are in. */
    this.status = 0;
    /** Lower-cased response headers, once in. */
    this.headers = undefined;
    /** Whether the response body has ended (last chunk seen). */
    this.ended = false;
    /** Body bytes seen (after de-chunking). */
    this.bodyBytes = 0;

    this.head = EMPTY;
    this.chunked = false;
    // Chunked decoder state: 'size' (reading a size line), 'data' (inside a chunk), 'crlf' (after it).
    this.chunkState = 'size';
    this.sizeLine = '';
    this.chunkLeft = 0;
    this.crlfLeft = 0;
    /** The start of a block that a read split, kept until the rest arrives. */
    this.carry = EMPTY;
  }

  /** Feeds bytes as read from the socket. Returns `true` once the headers have been parsed. */
  push(buf) {
    if (!this.headers) {
      const all = this.head.length ? Buffer.concat([this.head, buf]) : buf;
      const end = all.indexOf(HEADER_END);
      if (end === -1) {
        this.head = all;
        return false;
      }
      this.parseHead(all.subarray(0, end).toString('latin1'));
      this.head = EMPTY;
      buf = all.subarray(end + 4);
    }
    if (this.chunked) this.dechunk(buf);
    else if (buf.length) this.scan(buf);
    return true;
  }

  parseHead(text) {
    const lines = text.split('\r\n');
    this.status = Number(lines[0].split(' ')[1]);
    this.headers = {};
    for (const line of lines.slice(1)) {
      const colon = line.indexOf(':');
      if (colon > 0) this.headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
    }
    this.chunked = /\bchunked\b/i.test(this.headers['transfer-encoding'] ?? '');
  }

  dechunk(buf) {
    let i = 0;
    while (i < buf.length && !this.ended) {
      if (this.chunkState === 'data') {
        const take = Math.min(this.chunkLeft, buf.length - i);
        this.scan(buf.subarray(i, i + take));
        i += take;
        this.chunkLeft -= take;
        if (this.chunkLeft === 0) {
          this.chunkState = 'crlf';
          this.crlfLeft = 2;
        }
      } else if (this.chunkState === 'crlf') {
        const take = Math.min(this.crlfLeft, buf.length - i);
        i += take;
        this.crlfLeft -= take;
        if (this.crlfLeft === 0) this.chunkState = 'size';
      } else {
        const lf = buf.indexOf(LF, i);
        const end = lf === -1 ? buf.length : lf;
        this.sizeLine += buf.subarray(i, end).toString('latin1');
        i = end;
        if (lf === -1) break;
        i = lf + 1;
        // A size line may carry extensions after ';' and ends with CRLF.
        const size = Number.parseInt(this.sizeLine.replace(/\r$/, '').split(';')[0], 16);
        this.sizeLine = '';
        if (!(size >= 0)) throw new Error(`bad chunk size line in SSE response`);
        if (size === 0) this.ended = true;
        else {
          this.chunkState = 'data';
          this.chunkLeft = size;
        }
      }
    }
  }

  /** Scans a piece of the event-stream body. */
  scan(piece) {
    if (piece.length === 0) return;
    this.bodyBytes += piece.length;
    // Reads usually end on an event boundary; only a block split across reads is carried over.
    const data = this.carry.length ? Buffer.concat([this.carry, piece]) : piece;
    const marker = this.marker;
    let start = 0;
    let nextMarker = -1;
    for (;;) {
      const blank = data.indexOf(BLANK_LINE, start);
      if (blank === -1) break;
      if (nextMarker < start) nextMarker = data.indexOf(marker, start);
      if (nextMarker !== -1 && nextMarker + marker.length <= blank) {
        this.events++;
        this.onEvent?.(data, nextMarker + marker.length);
      } else this.otherBlocks++;
      start = blank + 2;
    }
    this.carry = start === data.length ? EMPTY : Buffer.from(data.subarray(start));
  }
}
