/**
 * Decodes a body's byte chunks as UTF-8 exactly as one streaming `TextDecoder` would (a character
 * split across chunks decodes whole, invalid bytes become U+FFFD, a BOM is kept as text), but with
 * whole-input `decode` calls: Node's `TextDecoder` takes its fast (SIMD) path only when not
 * streaming, and measured 2.5× faster on 500-byte chunks (Node 20). The few bytes of a character
 * cut off at a chunk's end are held here and decoded with the next chunk.
 */
export interface Utf8Chunks {
  /** Decodes the next chunk, holding back the bytes of a character it ends in the middle of. */
  decode(chunk: Uint8Array): string;
  /** Ends the body: the held bytes of an unfinished character decode to U+FFFD (`''` if none). */
  flush(): string;
}

/**
 * How many bytes at the end of `bytes` begin a character that is not complete yet. Cutting right
 * before a byte that is not a continuation byte (10xxxxxx) never changes what a decoder makes of
 * the bytes, so at most the last 3 bytes are held, from the last such byte: a lead byte that
 * announces more bytes than follow it.
 */
function unfinishedTail(bytes: Uint8Array): number {
  const length = bytes.length;
  for (let back = 1; back <= 3 && back <= length; back++) {
    const byte = bytes[length - back] as number;
    if (byte < 0x80) return 0;
    if (byte >= 0xc0) {
      const needs = byte >= 0xf0 ? 4 : byte >= 0xe0 ? 3 : 2;
      return needs > back ? back : 0;
    }
  }
  // No lead byte in the last 3: whatever character came before is complete or already invalid.
  return 0;
}

/** Creates the decoder for one body; see `Utf8Chunks`. */
export function createUtf8Chunks(): Utf8Chunks {
  // ignoreBOM keeps a BOM in the text: the parser strips the first one, and only that one.
  const decoder = new TextDecoder('utf-8', { ignoreBOM: true });
  let held: Uint8Array | undefined;

  return {
    decode(chunk) {
      let bytes = chunk;
      if (held !== undefined) {
        bytes = new Uint8Array(held.length + chunk.length);
        bytes.set(held);
        bytes.set(chunk, held.length);
        held = undefined;
      }
      const tail = unfinishedTail(bytes);
      if (tail === 0) return decoder.decode(bytes);
      // A copy: the caller may reuse the chunk's memory once feed returns.
      held = bytes.slice(bytes.length - tail);
      return decoder.decode(bytes.subarray(0, bytes.length - tail));
    },
    flush() {
      if (held === undefined) return '';
      const text = decoder.decode(held);
      held = undefined;
      return text;
    },
  };
}
